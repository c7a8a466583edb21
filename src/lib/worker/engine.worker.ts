// The data worker's entry: wiring only. Everything it does is in data-service.ts, typed by api.ts.
import * as Comlink from 'comlink';
import { createDataService } from './data-service';

Comlink.expose(createDataService(undefined, { timers: true }));
