// The bandit lab's public surface (CLI and UI import from here).
export * from './alignment';
export * from './config';
export * from './crossover';
export * from './experiment';
export * from './math';
export * from './model';
export * from './simulator';
export * from './stats';
export * from './steering';
export * from './update';
