'use strict';
/**
 * A small Windows service written for Node.js, in the shape of a native Win32 service
 * (ServiceMain + HandlerEx + worker threads), structured cooperatively for scmcheck's adapter
 * protocol (scmcheck_adapter.js, ../PROTOCOL.md).
 *
 *   scmcheck test --cmd 'node examples/adapters/node/service.js'                      # correct
 *   scmcheck test --cmd 'node examples/adapters/node/service.js --bug early-stopped'   # 000.3/000.5
 *   scmcheck test --cmd 'node examples/adapters/node/service.js --bug no-stop-progress' # 000.4
 *
 * What it does: two workers process batches every 2 s until the stop event is set, then flush
 * their buffers, which takes FLUSH_MS (5 s, longer than the 3 s wait hint: a "long stop").
 * The control handler accepts STOP and SHUTDOWN and answers INTERROGATE with NO_ERROR (003.3; the
 * SCM keeps the last status).  For STOP or SHUTDOWN it reports STOP_PENDING itself (003.2, 003.4),
 * sets the stop event and returns at once (003.6: long work belongs on another thread).
 *
 * The documented mistakes (rule numbers from /work/shared/seeds/README.md):
 *   --bug early-stopped     ServiceMain reports SERVICE_STOPPED as soon as the stop event is set,
 *                           while the workers still flush: 000.3 (wait for every thread to exit
 *                           before SERVICE_STOPPED) and 000.5 (an early STOPPED confuses the SCM).
 *                           Expected: stopped_only_after_threads_exit.
 *   --bug no-stop-progress  ServiceMain joins the workers with an INFINITE wait and reports nothing
 *                           meanwhile, so the 5 s flush outlasts the 3 s wait hint of its last
 *                           STOP_PENDING with the checkpoint unchanged: 000.4.
 *                           Expected: pending_progress_within_wait_hint.
 * Microsoft pages: SetServiceStatus, SERVICE_STATUS (dwCheckPoint, dwWaitHint),
 * HandlerEx (learn.microsoft.com/windows/win32/api/winsvc/).
 */

const {
  runService, SERVICE, CONTROL, ACCEPT, NO_ERROR, ERROR_CALL_NOT_IMPLEMENTED, WAIT_TIMEOUT, INFINITE,
} = require('./scmcheck_adapter');

const WAIT_HINT_MS = 3000;
const BATCH_EVERY_MS = 2000;
const FLUSH_MS = 5000;
const JOIN_POLL_MS = 1000;
const BUGS = ['early-stopped', 'no-stop-progress'];

function bugFromArgs(argv) {
  const i = argv.indexOf('--bug');
  if (i < 0) return null;
  const bug = argv[i + 1];
  if (!BUGS.includes(bug)) {
    process.stderr.write(`service.js: --bug ${bug}: use one of ${BUGS.join(', ')}\n`);
    process.exit(2);
  }
  return bug;
}

const BUG = bugFromArgs(process.argv.slice(2));

function* worker(win, stopEvent, state) {
  while ((yield win.wait(stopEvent, BATCH_EVERY_MS)) === WAIT_TIMEOUT) {
    state.batches += 1; // one batch of work
  }
  yield win.sleep(FLUSH_MS); // flush the buffered batches to disk
}

function* serviceMain(win) {
  const stopEvent = win.createEvent({ manualReset: true });
  const state = { batches: 0, checkpoint: 0 };
  const accepts = ACCEPT.STOP | ACCEPT.SHUTDOWN;
  const report = (dwCurrentState, pending) => win.setServiceStatus({
    dwCurrentState,
    dwControlsAccepted: dwCurrentState === SERVICE.START_PENDING || dwCurrentState === SERVICE.STOP_PENDING
      || dwCurrentState === SERVICE.STOPPED ? 0 : accepts,
    dwCheckPoint: pending ? ++state.checkpoint : 0,
    dwWaitHint: pending ? WAIT_HINT_MS : 0,
  });

  win.registerHandler(function* handler(control) {
    switch (control) {
      case CONTROL.STOP:
      case CONTROL.SHUTDOWN:
        yield report(SERVICE.STOP_PENDING, true);
        yield win.setEvent(stopEvent);
        return NO_ERROR;
      case CONTROL.INTERROGATE:
        return NO_ERROR; // the SCM keeps the last status reported
      default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
  });

  yield report(SERVICE.START_PENDING, true);
  const workers = [
    win.startThread('worker1', worker, stopEvent, state),
    win.startThread('worker2', worker, stopEvent, state),
  ];
  yield report(SERVICE.RUNNING, false);

  yield win.wait(stopEvent, INFINITE);
  if (BUG === 'early-stopped') { // 000.3: the workers are still flushing
    yield report(SERVICE.STOPPED, false);
    return;
  }
  for (const w of workers) {
    if (BUG === 'no-stop-progress') { // 000.4: no checkpoint while the 5 s flush runs
      yield win.wait(w, INFINITE);
      continue;
    }
    while ((yield win.wait(w, JOIN_POLL_MS)) === WAIT_TIMEOUT) {
      yield report(SERVICE.STOP_PENDING, true); // progress: a larger checkpoint within the wait hint
    }
  }
  yield report(SERVICE.STOPPED, false);
}

runService(serviceMain, { name: `service.js${BUG ? ` --bug ${BUG}` : ''}` });
