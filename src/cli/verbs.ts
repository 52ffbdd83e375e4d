// The CLI's registry of verbs, in the order --help lists them.
import type { Command } from 'commander';
import { register as doctor } from './doctor.js';
import { register as registerRun } from './run.js';
import { register as registerReport } from './report.js';
import { register as registerVerify } from './verify.js';
import { register as registerKeygen } from './keygen.js';
import { register as registerMerge } from './merge.js';
import { register as registerDetect } from './detect.js';
import { register as registerList } from './list.js';
import { register as registerShow } from './show.js';
import { register as registerValidate } from './validate.js';
import { register as registerCleanup } from './cleanup.js';
import { register as registerTest } from './test.js';
import { register as registerRescore } from './rescore.js';
import { register as registerAlerts } from './alerts.js';

export const VERBS: Array<(program: Command) => void> = [
  registerRun, registerList, registerShow, registerValidate, registerTest, registerCleanup, doctor, registerDetect, registerRescore, registerReport, registerAlerts, registerMerge, registerVerify, registerKeygen];

