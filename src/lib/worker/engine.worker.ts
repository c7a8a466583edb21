// The data worker's entry: wiring only. Everything it does is in data-service.ts, typed by api.ts.
import * as Comlink from 'comlink';
import { createDataService } from './data-service';
import { now } from './clock';

Comlink.expose(createDataService(undefined, { timers: true, now }));
