#!/usr/bin/env node
import { buildApp } from '../lib/app';
import { runApp } from '../lib/run-app';

runApp(buildApp);
