// The Web Worker that owns the device and the training loop (DESIGN §1). The UI talks to it only through
// the comlink API of src/worker/api.ts (`connectWorkbench()` starts this file).
import * as Comlink from 'comlink';
import { openBrowserBackend } from './backend';
import { Workbench } from './workbench';

Comlink.expose(new Workbench(openBrowserBackend));
