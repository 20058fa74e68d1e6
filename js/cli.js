#!/usr/bin/env node
// parawasm's command line, the package's bin: the commands are in cli/.
import { run } from './cli/main.js';

run();
