#!/usr/bin/env python3
"""Load through nginx while a deploy runs, and tasks queued during it: what failed, and how often each task ran.

  zdt_load.py --base http://127.0.0.1:18080 --project P --stop-file F --out RESULT.json

Until F exists: --rate requests a second through nginx (a note written, a note read back, /ready),
each from its own thread; every --task-every seconds a Celery task (analyze_text, which sleeps
--task-delay seconds) through the API; and the log of every worker container of project P, followed
from the moment it appears until it ends (a removed worker's log is read to its end before it goes).
Then it waits for every task to finish and writes RESULT.json: requests, failed (5xx, connection
errors, timeouts) with the first failures, and per task its state and how many times a worker logged
that it succeeded. Standard library and the docker CLI only; it asserts nothing (the verify does).
"""

from __future__ import annotations

import argparse
import json
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# --insecure: the self-signed certificate of stage's nginx (the remote scenario's load on the server).
TLS = None


def request(method, url, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=TLS) as r:  # noqa: S310 (a test host's URL)
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, ValueError) as e:
        return type(e).__name__, None


class Run:
    def __init__(self, args):
        self.args = args
        self.results = []
        self.tasks = []
        self.lock = threading.Lock()
        self.logs = {}
        self.follows = 0
        self.workdir = Path(args.out).parent

    def stopped(self):
        return Path(self.args.stop_file).exists()

    def one(self, n, note_id):
        base = self.args.base
        kind = n % 3
        start = time.time()
        if kind == 0:
            code, _ = request("POST", f"{base}/api/v1/notes", {"title": f"zdt {n}", "body": "during a deploy"})
        elif kind == 1:
            code, _ = request("GET", f"{base}/api/v1/notes/{note_id}")
        else:
            code, _ = request("GET", f"{base}/ready")
        with self.lock:
            self.results.append({"t": start, "kind": ["write", "read", "ready"][kind], "code": code})

    def load(self):
        code, note = request("POST", f"{self.args.base}/api/v1/notes", {"title": "zdt", "body": "before"})
        note_id = note["id"] if code == 201 else 1
        n, threads = 0, []
        while not self.stopped():
            t = threading.Thread(target=self.one, args=(n, note_id))
            t.start()
            threads.append(t)
            n += 1
            time.sleep(1 / self.args.rate)
        for t in threads:
            t.join()

    def queue(self):
        n = 0
        while not self.stopped():
            code, body = request(
                "POST",
                f"{self.args.base}/api/v1/tasks",
                {"text": f"task {n} queued during a deploy", "delay": self.args.task_delay},
            )
            with self.lock:
                self.tasks.append({"n": n, "code": code, "id": (body or {}).get("id")})
            n += 1
            time.sleep(self.args.task_every)

    def follow(self):
        """docker logs --follow of each worker container, from when it runs until it ends.

        A follow started while the container was only created ends at once; it is started again (the
        log from the beginning) as long as the container runs, so a removed worker's log is complete.
        Each follow writes a file of its own: a follow started again just as the container is removed
        (docker stop, then docker rm) gets nothing, and must not wipe what the earlier one wrote.
        """
        argv = [
            "docker",
            "ps",
            "--all",
            "--no-trunc",
            "--filter",
            f"label=com.docker.compose.project={self.args.project}",
            "--filter",
            "label=com.docker.compose.service=worker",
            "--format",
            "{{.ID}} {{.State}}",
        ]
        while True:
            listed = subprocess.run(argv, capture_output=True, text=True, check=False).stdout  # noqa: S603
            for line in listed.splitlines():
                cid, state = line.split()[:2]
                known = self.logs.get(cid)
                if known is None or (known[0].poll() is not None and state == "running"):
                    if known:
                        known[1].close()
                    self.follows += 1
                    out = (self.workdir / f"worker-{cid[:12]}-{self.follows}.log").open("w")
                    follow = ["docker", "logs", "--follow", cid]
                    proc = subprocess.Popen(follow, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
                    self.logs[cid] = (proc, out)
            if self.done.is_set():
                return
            time.sleep(0.3)

    def runs(self, task_id):
        """How many times a worker logged that the task succeeded (Celery's trace: 'Task NAME[ID] succeeded').

        A container followed twice has its log twice: a line counts once per container (each has its
        time stamp, so two runs in one container are two lines).
        """
        seen = set()
        for path in self.workdir.glob("worker-*.log"):
            container = path.name.split("-")[1]
            for line in path.read_text(errors="replace").splitlines():
                try:
                    msg = json.loads(line).get("msg", "")
                except ValueError:
                    continue
                if f"[{task_id}] succeeded" in msg:
                    seen.add((container, line))
        return len(seen)

    def main(self):
        self.done = threading.Event()
        follower = threading.Thread(target=self.follow)
        follower.start()
        workers = [threading.Thread(target=self.load), threading.Thread(target=self.queue)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        # Every task finishes (SUCCESS) within the deadline, or its last state is kept.
        states = {}
        deadline = time.time() + self.args.task_timeout
        for task in self.tasks:
            state = None
            while task["id"] and time.time() < deadline:
                code, body = request("GET", f"{self.args.base}/api/v1/tasks/{task['id']}")
                state = (body or {}).get("state") if code == 200 else code
                if state in ("SUCCESS", "FAILURE"):
                    break
                time.sleep(0.5)
            states[task["id"]] = state
        time.sleep(2)  # the last "succeeded" lines reach the followers
        self.done.set()
        follower.join()
        for proc, out in self.logs.values():
            proc.terminate()
            proc.wait()
            out.close()
        failed = [r for r in self.results if not (isinstance(r["code"], int) and r["code"] < 500)]
        report = {
            "requests": len(self.results),
            "failed": len(failed),
            "first_failures": failed[:10],
            "window_s": round(max(r["t"] for r in failed) - min(r["t"] for r in failed), 1) if failed else 0,
            "tasks": [
                {
                    "n": t["n"],
                    "queued": t["code"],
                    "id": t["id"],
                    "state": states.get(t["id"]),
                    "runs": self.runs(t["id"]) if t["id"] else 0,
                }
                for t in self.tasks
            ],
            "worker_containers": len(self.logs),
        }
        Path(self.args.out).write_text(json.dumps(report, indent=1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True)
    p.add_argument("--project", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rate", type=float, default=10)
    p.add_argument("--task-every", type=float, default=3)
    p.add_argument("--task-delay", type=float, default=4)
    p.add_argument("--task-timeout", type=float, default=180)
    p.add_argument("--insecure", action="store_true", help="accept any TLS certificate (a self-signed one)")
    args = p.parse_args()
    if args.insecure:
        global TLS
        TLS = ssl.create_default_context()
        TLS.check_hostname = False
        TLS.verify_mode = ssl.CERT_NONE
    Run(args).main()


if __name__ == "__main__":
    main()
