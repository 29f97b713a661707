#!/usr/bin/env node
// The installed `loa` command. Everything it does lives in main.ts, which tests call in-process.
import { chooseLang } from './i18n.js';
import { processIo } from './io.js';
import { main, reportUnexpected } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // main answers every error itself; this is the last guard, one line too (the stack with LOA_DEBUG=1).
    process.exitCode = reportUnexpected(processIo, chooseLang(undefined, process.env), 'loa', err);
  },
);
