// Prometheus metrics of a Participant, in the text exposition format (no metrics client needed).
export { prometheusText, participantMetrics, type MetricsSource } from './participant-metrics';
export { formatExposition, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type Sample, type Labels } from './exposition';
