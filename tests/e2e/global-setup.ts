// Vitest globalSetup for the e2e project: one build and one preview server for every test file.
import type { TestProject } from 'vitest/node';
import { buildApp, serve, type Served } from './harness';

let served: Served | undefined;

export default async function setup(project: TestProject) {
  const dist = await buildApp();
  served = await serve(dist);
  project.provide('baseURL', served.url);
  return async () => {
    await served?.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}
