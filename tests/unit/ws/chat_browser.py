"""Opens pages in headless Chromium (Debian `chromium`, --headless --no-sandbox) and
prints, one line per page, the chat lines its #log list shows ("|"-separated; system lines
starting with "* " left out), once every page shows at least EXPECT lines or TIMEOUT
seconds passed. The pages are driven through the Chrome DevTools Protocol over the
`websockets` library. Usage: chat_browser.py EXPECT TIMEOUT URL...
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import websockets

JS = "Array.from(document.querySelectorAll('#log li')).map(e => e.textContent)"


async def drive(expect, timeout, urls):
    tmp = tempfile.mkdtemp(prefix="aio-chromium-")
    proc = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-port=0", "--user-data-dir=" + tmp, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        port_file = os.path.join(tmp, "DevToolsActivePort")
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("chromium did not start")
            await asyncio.sleep(0.05)
        port, path = open(port_file).read().split("\n")[:2]
        async with websockets.connect("ws://127.0.0.1:%s%s" % (port, path), max_size=None) as cdp:
            counter = [0]

            async def call(method, params=None, session=None):
                counter[0] += 1
                msg = {"id": counter[0], "method": method, "params": params or {}}
                if session:
                    msg["sessionId"] = session
                await cdp.send(json.dumps(msg))
                while True:  # events (no id) are skipped
                    reply = json.loads(await cdp.recv())
                    if reply.get("id") == counter[0]:
                        if "error" in reply:
                            raise RuntimeError(reply["error"])
                        return reply["result"]

            sessions = []
            for url in urls:
                target = await call("Target.createTarget", {"url": url})
                attached = await call("Target.attachToTarget",
                                      {"targetId": target["targetId"], "flatten": True})
                sessions.append(attached["sessionId"])
            logs = [[] for _ in sessions]
            while time.monotonic() < deadline:
                for i, s in enumerate(sessions):
                    r = await call("Runtime.evaluate", {"expression": JS, "returnByValue": True}, s)
                    lines = r["result"].get("value") or []
                    logs[i] = [l for l in lines if not l.startswith("* ")]
                if all(len(l) >= expect for l in logs):
                    break
                await asyncio.sleep(0.1)
            for l in logs:
                print("|".join(l), flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(drive(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]))
