// Public entry point. Each room of lib/ exports its public surface from here.
export * from './core/types';
