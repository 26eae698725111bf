"""The documented rules the checker encodes, numbered, in the project's own words.

Numbering
---------
A rule number is ``document.item``: ``000.3`` is item 3 of document ``000``.
The three documents are public Microsoft Learn pages (``SOURCES``):

* ``000`` -- "Multithreaded Services": the stop protocol of a service with
  worker threads (items 000.1-000.5);
* ``003`` -- "Service Control Handler Function": the control handler, control
  codes, preshutdown and system shutdown (items 003.1-003.12);
* ``004`` -- "Out-of-Process Server Implementation Helpers": the lifetime of an
  out-of-process (local) COM server (items 004.1-004.10).

Items follow each page's paragraphs in order.  The numbers are the ones the
project has always cited (catalog entries, designs, README, issue notes), first
given in the team's shared seed folder (``shared/seeds/README.md``, outside this
repository, next to the machine-translated copies ``000_*.txt`` (Spanish),
``003_*.txt`` (Chinese) and ``004_*.txt`` (Spanish)).  This module is the
repository's own copy of that numbering, so a number resolves in a fresh clone:
``rule("000.3").text``.

Each text below is the project's reading of what the page requires, written to
be formalised: one to three sentences, keeping the page's numbers (30 s, about
20 s, 125 s / 125,000 ms, WaitToKillServiceTimeout, 0x1E0, REGCLS_SUSPENDED).
It is a reading, not a quotation and not a translation.  **Where a reading here
and the document differ, the document wins** -- meaning the Microsoft page
(its English original settles what a machine translation garbles); fix the
reading and say so in the issue note.

Translation slips in the seed copies, read against the English page:

* 000.5: Spanish "desenlaz" is garbled; the page says "contradiction".
* 004.7: Spanish tells the server to call CoAddRefServerProcess and
  CoReleaseServerProcess during cleanup; the page says CoRevokeClassObject and
  CoUninitialize.
* 004 elsewhere: "versión" stands for "release" (of an instance), "rebaño"
  ("flock") for LockServer's fLock parameter, "REGCLS _ servidor local" /
  "REGCLS _ suspendido" for REGCLS_LOCAL_SERVER / REGCLS_SUSPENDED.
* 003: "预暂停超时" / "预决通知" stand for the preshutdown timeout /
  preshutdown notification; "作系统" for "operating system".

``MODEL_SANITY`` is not a documented rule: it is the label a catalog entry cites
when it checks the model itself (e.g. that time can always advance).  It is
deliberately not in ``RULES`` and ``rule()`` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scmcheck.model.lang.errors import InputError

__all__ = ["Rule", "Source", "RULES", "SOURCES", "MODEL_SANITY", "rule"]

#: The pseudo-rule cited by catalog entries that check the model, not a document.
MODEL_SANITY = "model sanity"


@dataclass(frozen=True)
class Source:
    """One documented page: its number, English title, Microsoft Learn URL and seed copy."""

    document: str
    title: str
    url: str
    seed: str  # the machine-translated copy in shared/seeds/ (outside the repository)
    seed_language: str


@dataclass(frozen=True)
class Rule:
    """One numbered rule: ``number`` is ``document.item`` (module docstring)."""

    number: str
    text: str
    source_title: str
    source_url: str
    document: str


#: The three pages, by document number.
SOURCES: dict[str, Source] = {
    "000": Source("000", "Multithreaded Services",
                  "https://learn.microsoft.com/windows/win32/services/multithreaded-services",
                  "000_d732a811c6c78c4e.txt", "es"),
    "003": Source("003", "Service Control Handler Function",
                  "https://learn.microsoft.com/windows/win32/services/service-control-handler-function",
                  "003_37e4a61235e449fe.txt", "zh"),
    "004": Source("004", "Out-of-Process Server Implementation Helpers",
                  "https://learn.microsoft.com/windows/win32/com/out-of-process-server-implementation-helpers",
                  "004_f9c625dab112fe6b.txt", "es"),
}

# (number, text), in number order.
_TEXTS: tuple[tuple[str, str], ...] = (
    # -- 000 Multithreaded Services -------------------------------------------------
    ("000.1",
     "The SCM drives a service only by delivering control events to the service's control "
     "handler, so the service must react to each control event in a timely way; otherwise "
     "the SCM cannot keep track of what state the service is in."),
    ("000.2",
     "The state the service has most recently reported to the SCM must always be the state "
     "the service is actually in."),
    ("000.3",
     "Once the SCM has asked a service to stop, the service may report SERVICE_STOPPED only "
     "after every one of its threads has exited. A report made earlier can leave the SCM "
     "wrong about the service's state and unable to shut it down correctly."),
    ("000.4",
     "While a stop is pending the service must keep showing the SCM that it is progressing. "
     "The SCM counts a SetServiceStatus call as progress only if it comes before the wait hint "
     "given in the previous call has elapsed and its checkpoint is strictly greater than the "
     "previous call's checkpoint."),
    ("000.5",
     "If the service reports SERVICE_STOPPED while some of its threads are still running, the "
     "SCM may read this as a contradiction (the Spanish copy's \"desenlaz\" is garbled; the "
     "English page says \"contradiction\"), which can leave the service impossible to stop or "
     "restart. The fault here is the premature STOPPED report, not an expired wait hint "
     "(that is 000.4)."),
    # -- 003 Service Control Handler Function ------------------------------------------
    ("003.1",
     "Each service registers one control handler (Handler or HandlerEx) with "
     "RegisterServiceCtrlHandler or RegisterServiceCtrlHandlerEx. The control dispatcher calls "
     "it whenever the service process receives a control request, so the handler runs in the "
     "dispatcher's context, on the dispatcher's thread."),
    ("003.2",
     "If handling a control code changes the service's state, the service must report the new "
     "state to the SCM with SetServiceStatus; if the state does not change, no SetServiceStatus "
     "call is required."),
    ("003.3",
     "Control programs send requests with ControlService. Every service must accept and handle "
     "SERVICE_CONTROL_INTERROGATE; whether each other control code is accepted is switched on "
     "or off by the controls the service declares through SetServiceStatus, "
     "SERVICE_CONTROL_DEVICEEVENT is delivered only after RegisterDeviceNotification, and a "
     "service may also handle user-defined control codes."),
    ("003.4",
     "A service that accepts SERVICE_CONTROL_STOP must, on receiving it, stop: it moves to "
     "SERVICE_STOP_PENDING or SERVICE_STOPPED. After sending STOP the SCM sends that service no "
     "further control codes."),
    ("003.5",
     "On Windows XP, a service whose handler returns NO_ERROR for a control and keeps running "
     "goes on receiving control codes. The page says this behaviour changed with Windows "
     "Server 2003 and Windows XP SP2; read with 003.4, later systems send nothing after STOP."),
    ("003.6",
     "The control handler must return within 30 seconds, or the SCM returns an error. Lengthy "
     "work belongs on a secondary thread so the control dispatcher is not tied up: for a slow "
     "stop the handler starts a thread to do the stopping, reports SERVICE_STOP_PENDING with "
     "SetServiceStatus, and returns."),
    ("003.7",
     "At system shutdown, each service that declared SERVICE_ACCEPT_PRESHUTDOWN first receives "
     "SERVICE_CONTROL_PRESHUTDOWN, and the SCM waits until that service has stopped or its "
     "preshutdown timeout (set with ChangeServiceConfig2) has expired. Since such a service "
     "holds up system shutdown for that long, preshutdown is for special cases only."),
    ("003.8",
     "After preshutdown, each service that declared SERVICE_ACCEPT_SHUTDOWN receives "
     "SERVICE_CONTROL_SHUTDOWN, in the order the services appear in the installed services "
     "database. By default a service has about 20 seconds for its cleanup, after which system "
     "shutdown goes on whether or not the service has finished; if the system is left in the "
     "shutdown state without restarting or powering off, services keep running."),
    ("003.9",
     "A service needing more cleanup time reports SERVICE_STOP_PENDING with a wait hint, telling "
     "the service controller how long to wait before it reports the service's shutdown as "
     "complete, but that wait is capped so no service can stall shutdown: 125 seconds "
     "(125,000 ms) when the service is shut down through the Services snap-in, and the "
     "WaitToKillServiceTimeout value (milliseconds, under "
     "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control) when the operating system is "
     "restarting. A service must not raise WaitToKillServiceTimeout to buy itself more time."),
    ("003.10",
     "Shutdown has to be quick (a machine on UPS power can lose data if shutdown does not "
     "finish before the UPS runs out), so a service should do as little as possible at "
     "shutdown: save data periodically, keep track of what is already on disk, and write only "
     "the unsaved rest when shutting down. It should not spend shutdown time freeing memory or "
     "other resources, and should keep any wait for a server's reply short, because network "
     "trouble can delay it."),
    ("003.11",
     "By default the SCM ignores dependencies during shutdown: it walks the list of running "
     "services and sends each SERVICE_CONTROL_SHUTDOWN. A service can therefore fail because a "
     "service it depends on has already stopped."),
    ("003.12",
     "To impose a shutdown order, list the service names in the order they should stop in the "
     "multi-string value PreshutdownOrder under "
     "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control. An application orders shutdown "
     "relative to the services with SetProcessShutdownParameters: the SCM gives its own "
     "shutdown handler priority 0x1E0, and when that handler is called the SCM sends "
     "SERVICE_CONTROL_SHUTDOWN and waits for the services to exit before it returns."),
    # -- 004 Out-of-Process Server Implementation Helpers ------------------------------
    ("004.1",
     "COM provides four helpers for out-of-process (local) servers: CoAddRefServerProcess, "
     "CoReleaseServerProcess, CoSuspendClassObjects and CoResumeClassObjects. They exist to "
     "prevent activation races in servers with several apartments or several class objects, "
     "work equally for single-threaded single-class servers, and are normally not called by "
     "COM clients or in-process servers."),
    ("004.2",
     "A COM server keeps two counts, its live object instances and its outstanding "
     "IClassFactory::LockServer locks, and may shut down only when both are zero."),
    ("004.3",
     "In a single-threaded server the message queue serialises the shutdown decision with "
     "incoming activations: when its last instance is released and it decides to shut down, "
     "the server revokes its class objects before any further activation request is "
     "dispatched. An activation that arrives after that finds the class objects revoked; COM "
     "returns an error to the SCM, and the SCM starts a new instance of the server process."),
    ("004.4",
     "In an apartment-model server (class objects registered in different apartments) and in "
     "every free-threaded server, the shutdown decision must be coordinated with activation "
     "requests on other threads, so that no thread decides to shut down while another is "
     "handing out class objects or instances. The classic, clumsy remedy is that the server, "
     "after revoking its class objects, checks its instance count again and stays alive until "
     "every instance has been released."),
    ("004.5",
     "CoAddRefServerProcess increments and CoReleaseServerProcess decrements a single global "
     "per-process reference count; when it reaches zero COM itself calls CoSuspendClassObjects, "
     "so no new activation request gets into the process. The server can then revoke its class "
     "objects from their threads at leisure, and the SCM serves any later activation by "
     "starting a new instance of the server process."),
    ("004.6",
     "The server calls CoAddRefServerProcess in every instance's constructor and in "
     "LockServer(TRUE), and CoReleaseServerProcess in every instance's destructor and in "
     "LockServer(FALSE). A server that uses these helpers at all must use them for both the "
     "instances and LockServer, or it can shut down prematurely."),
    ("004.7",
     "The server must check the value CoReleaseServerProcess returns: 0 means it must begin "
     "its cleanup, which for a multithreaded server usually means signalling its threads to "
     "leave their message loops, revoke their class objects (CoRevokeClassObject) and "
     "uninitialise COM (CoUninitialize). The Spanish copy says to call CoAddRefServerProcess and "
     "CoReleaseServerProcess at this point, a mistranslation: the English page names "
     "CoRevokeClassObject and CoUninitialize."),
    ("004.8",
     "For CoGetClassObject, COM marshals the class object's IClassFactory to the client, which "
     "then usually calls LockServer(TRUE); in between, another client could create and release "
     "an instance, the server would shut down, and the first client would hold a disconnected "
     "IClassFactory. COM closes this window with an implicit LockServer(TRUE) when it marshals "
     "IClassFactory and an implicit LockServer(FALSE) when the client releases it, so remote "
     "LockServer calls are unnecessary and the LockServer proxy returns S_OK without making "
     "the call."),
    ("004.9",
     "A server registering several classes calls CoRegisterClassObject with REGCLS_LOCAL_SERVER "
     "for each CLSID and then enters its message loop. A single-threaded server gets no "
     "activation before it is in its message loop, but an apartment-model server can get one as "
     "soon as any thread is in its message loop and a free-threaded server as soon as its first "
     "class object is registered, so the final release, and with it shutdown, can begin before "
     "the server has finished initialising."),
    ("004.10",
     "To rule this out, a server registering several class objects registers each CLSID with "
     "REGCLS_LOCAL_SERVER | REGCLS_SUSPENDED and calls CoResumeClassObjects once all are "
     "registered and it is ready for activations. COM then tells the SCM about every class in "
     "one call however many CLSIDs there are (faster start-up), and no activation request "
     "reaches the server before CoResumeClassObjects."),
)


def _build() -> list[Rule]:
    out = []
    for number, text in _TEXTS:
        src = SOURCES[number.split(".", 1)[0]]
        out.append(Rule(number, text, src.title, src.url, src.document))
    return out


#: Every documented rule, in number order (000.1 ... 004.10).
RULES: list[Rule] = _build()

_BY_NUMBER: dict[str, Rule] = {r.number: r for r in RULES}


def _ranges() -> str:
    parts = []
    for doc in SOURCES:
        items = [r.number for r in RULES if r.document == doc]
        parts.append(f"{items[0]}-{items[-1]}")
    return ", ".join(parts)


def rule(number: str) -> Rule:
    """The rule numbered ``number`` (e.g. ``"000.3"``); InputError (one line) if there is none."""
    key = number.strip() if isinstance(number, str) else number
    if isinstance(key, str) and key in _BY_NUMBER:
        return _BY_NUMBER[key]
    if key == MODEL_SANITY:
        raise InputError(f"{MODEL_SANITY!r} is a pseudo-rule for checks of the model itself, not a documented "
                         f"rule; documented rules are {_ranges()}")
    shown = " ".join(str(number).split())[:40]
    raise InputError(f"unknown rule number {shown!r}; documented rules are {_ranges()} (document.item)")
