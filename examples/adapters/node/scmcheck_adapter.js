'use strict';
/**
 * scmcheck adapter shim for Node.js: speaks scmcheck's adapter protocol (version 1,
 * examples/adapters/PROTOCOL.md) on stdin/stdout, and hosts a Windows-style service written
 * cooperatively, so that `scmcheck test --cmd 'node your_service.js'` can drive it.
 *
 * Reusable: wrap your own service with
 *
 *     const { runService, SERVICE, CONTROL, ACCEPT, NO_ERROR, WAIT_TIMEOUT, INFINITE } =
 *       require('./scmcheck_adapter');
 *     runService(function* serviceMain(win, args) { ... });
 *
 * The service is written as generator functions.  Every call into `win` (the Win32 surface) is a
 * scheduling point and must be yielded: `yield win.setServiceStatus({...})`,
 * `const r = yield win.wait(event, 1000)`, `yield win.sleep(500)`, `yield win.setEvent(ev)`.
 * Between two yields a thread runs alone; scmcheck chooses which thread runs next, and when
 * virtual time (ms) jumps.  A call made and not yielded is an error in the service (reported).
 *
 * The host threads follow the Win32 service process (StartServiceCtrlDispatcher page,
 * learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw):
 *   dispatcher  -- the process's main thread: calls the handler registered with
 *                  win.registerHandler (RegisterServiceCtrlHandlerEx) for each control, one at a
 *                  time (HandlerEx page); once SERVICE_STOPPED is reported and no control is
 *                  queued, StartServiceCtrlDispatcher returns and the process exits.
 *   ServiceMain -- runs serviceMain(win, args).
 * Threads the service starts with win.startThread(name, genFn, ...args) get their own lane.
 *
 * Win32 surface (`win`):
 *   setServiceStatus({dwCurrentState, dwControlsAccepted=0, dwWin32ExitCode=0,
 *                     dwServiceSpecificExitCode=0, dwCheckPoint=0, dwWaitHint=0 (ms)})   yield it
 *   registerHandler(fn)   fn(control, eventType, eventData): a generator function (may wait) or a
 *                         plain function; returns a DWORD (undefined = NO_ERROR)           no yield
 *   createEvent({manualReset=false, initialState=false}) -> event                         no yield
 *   setEvent(ev), resetEvent(ev)                                                          yield it
 *   wait(obj | [objs], timeoutMs=INFINITE) -> WAIT_OBJECT_0 + i | WAIT_TIMEOUT            yield it
 *   sleep(ms)                                                                             yield it
 *   startThread(name, genFn, ...args) -> thread handle (waitable: signalled at exit)     no yield
 *   exitProcess(code)     ends the process at once (ExitProcess)                         no return
 *   now()                 virtual ms since the service was started                       no yield
 */

const readline = require('readline');
const crypto = require('crypto');
const fs = require('fs');

const PROTOCOL = 1;
const SERVICE = { STOPPED: 1, START_PENDING: 2, STOP_PENDING: 3, RUNNING: 4, CONTINUE_PENDING: 5,
  PAUSE_PENDING: 6, PAUSED: 7 };
const CONTROL = { STOP: 1, PAUSE: 2, CONTINUE: 3, INTERROGATE: 4, SHUTDOWN: 5, PARAMCHANGE: 6,
  POWEREVENT: 13, SESSIONCHANGE: 14, PRESHUTDOWN: 15 };
const ACCEPT = { STOP: 0x1, PAUSE_CONTINUE: 0x2, SHUTDOWN: 0x4, PARAMCHANGE: 0x8, POWEREVENT: 0x40,
  SESSIONCHANGE: 0x80 };
const NO_ERROR = 0;
const ERROR_CALL_NOT_IMPLEMENTED = 120;
const WAIT_OBJECT_0 = 0;
const WAIT_TIMEOUT = 258;
const INFINITE = 0xFFFFFFFF;

class ProcessExit extends Error {}

class Waitable {
  constructor(manualReset, signaled, label) {
    this.manualReset = manualReset;
    this.signaled = signaled;
    this.label = label;
  }
}

/** One run: a fresh service process (protocol message "start"). */
class Run {
  constructor(serviceMain, args) {
    this.now = 0;
    this.calls = [];
    this.threads = new Map(); // name -> thread record, in start order
    this.queue = []; // controls sent, not yet taken by the dispatcher
    this.stopped = false;
    this.exited = false;
    this.handler = null;
    this.current = null; // the thread record running now
    this.pending = null; // the op made by the current thread and not yet yielded
    this.events = 0;
    this.win = this.makeWin();
    this.spawn('dispatcher', true, dispatcher(this), 'process');
    this.spawn('ServiceMain', false, serviceMainHost(this, serviceMain, args), 'process');
  }

  record(call) {
    this.calls.push(Object.assign({ thread: this.current ? this.current.name : 'process' }, call));
  }

  spawn(name, host, gen, by) {
    let unique = name;
    for (let i = 2; this.threads.has(unique); i++) unique = `${name}${i}`;
    const t = { name: unique, host, gen, state: 'runnable', ready: null, untilMs: null, on: '',
      resume: undefined, handle: new Waitable(true, false, `thread ${unique}`), waitObjs: null };
    this.threads.set(unique, t);
    this.calls.push({ call: 'thread_started', thread: by, name: unique, host });
    return t;
  }

  op(kind, fields) {
    if (this.pending) throw new Error(`scmcheck_adapter: ${this.pending.what} was called but not yielded; write `
      + `\`yield win.${this.pending.what}(...)\``);
    this.pending = Object.assign({ kind }, fields);
    return this.pending;
  }

  makeWin() {
    const run = this;
    return {
      now: () => run.now,
      setServiceStatus(s) {
        const status = {
          call: 'SetServiceStatus', dwServiceType: 0x10, dwCurrentState: s.dwCurrentState,
          dwControlsAccepted: s.dwControlsAccepted || 0, dwWin32ExitCode: s.dwWin32ExitCode || 0,
          dwServiceSpecificExitCode: s.dwServiceSpecificExitCode || 0, dwCheckPoint: s.dwCheckPoint || 0,
          dwWaitHint: s.dwWaitHint || 0,
        };
        const o = run.op('yield', { what: 'setServiceStatus' });
        run.record(status);
        if (s.dwCurrentState === SERVICE.STOPPED) run.stopped = true;
        return o;
      },
      registerHandler(fn) { run.handler = fn; },
      createEvent(opts = {}) {
        run.events += 1;
        return new Waitable(!!opts.manualReset, !!opts.initialState, `event ${run.events}`);
      },
      setEvent(ev) { const o = run.op('yield', { what: 'setEvent' }); ev.signaled = true; return o; },
      resetEvent(ev) { const o = run.op('yield', { what: 'resetEvent' }); ev.signaled = false; return o; },
      wait(objs, timeoutMs = INFINITE) {
        const list = Array.isArray(objs) ? objs : [objs];
        return run.op('wait', { what: 'wait', objs: list, timeoutMs });
      },
      sleep(ms) { return run.op('wait', { what: 'sleep', objs: [], timeoutMs: Math.max(0, ms | 0) }); },
      startThread(name, genFn, ...args) {
        const t = run.spawn(name, false, genFn(run.win, ...args), run.current ? run.current.name : 'process');
        return t.handle;
      },
      exitProcess(code) {
        run.processExit(`ExitProcess(${code | 0})`);
        throw new ProcessExit();
      },
    };
  }

  /** Run thread `name` to its next scheduling point (protocol message "run"). */
  step(name) {
    const t = this.threads.get(name);
    if (!t || t.state === 'exited') throw new Error(`no live thread ${name}`);
    this.current = t;
    this.pending = null;
    const value = t.state === 'blocked' ? this.wakeValue(t) : t.resume;
    t.state = 'running';
    let r;
    try {
      r = t.gen.next(value);
    } catch (e) {
      if (e instanceof ProcessExit) return;
      this.threadExit(t, `${(e && e.name) || 'Error'}: ${(e && e.message) || e}`);
      return;
    }
    if (this.exited) return;
    if (r.done) { this.threadExit(t, null); return; }
    const o = r.value;
    if (!o || o !== this.pending) {
      this.threadExit(t, 'Error: scmcheck_adapter: a thread yielded something other than a win.* call '
        + `(${JSON.stringify(o)}); yield only what win.setServiceStatus, win.wait, win.sleep, win.setEvent return`);
      return;
    }
    this.pending = null;
    this.block(t, o);
  }

  block(t, o) {
    t.resume = undefined;
    if (o.kind === 'yield') { t.state = 'runnable'; return; }
    t.state = 'blocked';
    t.waitObjs = o.objs;
    t.ready = o.ready || (() => o.objs.some((w) => w.signaled));
    t.untilMs = o.timeoutMs === INFINITE || o.timeoutMs === undefined ? null : this.now + o.timeoutMs;
    t.on = o.on || (o.what === 'sleep' ? 'sleep' : o.objs.map((w) => w.label).join(', '));
  }

  wakeValue(t) {
    const objs = t.waitObjs || [];
    const i = objs.findIndex((w) => w.signaled);
    t.ready = null; t.untilMs = null; t.waitObjs = null;
    if (i >= 0) {
      if (!objs[i].manualReset) objs[i].signaled = false; // an auto-reset event releases one waiter
      return WAIT_OBJECT_0 + i;
    }
    return WAIT_TIMEOUT;
  }

  threadExit(t, error) {
    t.state = 'exited';
    t.handle.signaled = true;
    this.calls.push({ call: 'thread_exited', thread: t.name, error });
  }

  processExit(reason) {
    if (this.exited) return;
    this.record({ call: 'process_exit', reason });
    this.exited = true;
    for (const t of this.threads.values()) t.state = 'exited';
  }

  advance(toMs) { this.now = Math.max(this.now, toMs); }

  control(msg) { this.queue.push(msg); }

  threadList() {
    const out = [];
    for (const t of this.threads.values()) {
      if (t.state === 'exited') continue;
      if (t.state === 'runnable') { out.push({ name: t.name, state: 'runnable' }); continue; }
      const ready = t.ready && t.ready();
      const timedOut = t.untilMs !== null && t.untilMs <= this.now;
      out.push(ready || timedOut ? { name: t.name, state: 'runnable' }
        : { name: t.name, state: 'blocked', until_ms: t.untilMs, on: t.on });
    }
    return out;
  }

  reply() {
    const calls = this.calls;
    this.calls = [];
    this.current = null;
    return { type: 'result', calls, threads: this.exited ? [] : this.threadList() };
  }
}

/** The process's main thread inside StartServiceCtrlDispatcher (module comment). */
function* dispatcher(run) {
  for (;;) {
    run.pending = { kind: 'wait', what: 'dispatcher', objs: [], timeoutMs: INFINITE,
      ready: () => run.queue.length > 0 || run.stopped, on: 'a control, or SERVICE_STOPPED' };
    yield run.pending;
    if (run.queue.length === 0) { run.processExit('returned'); return; }
    const c = run.queue.shift();
    run.record({ call: 'handler_entered', control: c.control });
    let result;
    try {
      result = yield* callHandler(run, c);
    } catch (e) {
      if (e instanceof ProcessExit) throw e;
      run.record({ call: 'handler_raised', control: c.control, error: `${e && e.name}: ${e && e.message}` });
      result = ERROR_CALL_NOT_IMPLEMENTED;
    }
    run.record({ call: 'handler_returned', control: c.control, result });
  }
}

function* callHandler(run, c) {
  if (!run.handler) return ERROR_CALL_NOT_IMPLEMENTED;
  const got = run.handler(c.control, c.event_type || 0, c.data === undefined ? null : c.data);
  const r = got && typeof got.next === 'function' && typeof got[Symbol.iterator] === 'function'
    ? yield* got : got;
  return r === undefined || r === null ? NO_ERROR : (Number(r) >>> 0);
}

function* serviceMainHost(run, serviceMain, args) {
  let raised = false;
  try {
    yield* serviceMain(run.win, args);
  } catch (e) {
    if (e instanceof ProcessExit) throw e;
    raised = true;
    run.record({ call: 'service_main_returned', raised, error: `${e && e.name}: ${e && e.message}` });
    throw e;
  }
  run.record({ call: 'service_main_returned', raised });
}

function fingerprint() {
  const h = crypto.createHash('sha256');
  for (const f of [require.main && require.main.filename, __filename]) {
    if (f) { h.update(f.split(/[\\/]/).pop()); h.update(fs.readFileSync(f)); }
  }
  return h.digest('hex');
}

/**
 * Serve the protocol on stdin/stdout for `serviceMain` (a generator function
 * `function* (win, args)`).  `options.name` names the adapter in its hello.
 */
function runService(serviceMain, options = {}) {
  let run = null;
  const send = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      send({ type: 'error', message: `not JSON: ${line.slice(0, 80)}` });
      return;
    }
    try {
      switch (msg.type) {
        case 'hello':
          if (msg.protocol !== PROTOCOL) {
            send({ type: 'error', message: `protocol ${msg.protocol} not supported; this shim speaks ${PROTOCOL}` });
            return;
          }
          send({ type: 'hello', protocol: PROTOCOL, adapter: options.name || 'scmcheck_adapter.js',
            fingerprint: fingerprint() });
          return;
        case 'start':
          run = new Run(serviceMain, options.args || {});
          send(run.reply());
          return;
        case 'control':
          run.control(msg);
          send(run.reply());
          return;
        case 'run':
          run.advance(msg.now_ms || 0);
          run.step(msg.thread);
          send(run.reply());
          return;
        case 'advance':
          run.advance(msg.to_ms);
          send(run.reply());
          return;
        case 'end':
          run = null;
          send({ type: 'result', calls: [], threads: [] });
          return;
        case 'bye':
          rl.close();
          return;
        default:
          send({ type: 'error', message: `unknown message type ${JSON.stringify(msg.type)}` });
      }
    } catch (e) {
      send({ type: 'error', message: `${e && e.name}: ${e && e.message}` });
    }
  });
  rl.on('close', () => process.exit(0));
}

module.exports = { runService, SERVICE, CONTROL, ACCEPT, NO_ERROR, ERROR_CALL_NOT_IMPLEMENTED, WAIT_OBJECT_0,
  WAIT_TIMEOUT, INFINITE, PROTOCOL };
