"""A manual check of deploy/ray-serve.yaml on Ray Serve (not in `make test`: ray[serve] is not
installed by askintl's extras). In a separate virtual environment:

    python3 -m venv /tmp/servevenv
    /tmp/servevenv/bin/pip install -c constraints.txt 'ray[serve]' -e .
    /tmp/servevenv/bin/python deploy/check_ray_serve.py

It validates the file as a Serve config, indexes tests/data/tiny with the hashing embedder, runs
`serve run` on the file (its paths pointed at that index, 2 replicas of half a CPU, on
127.0.0.1), asks a question over HTTP, re-indexes, and checks that the replicas answer from the
new version. Ray and Serve are stopped at the end.
"""
import json, os, re, shutil, signal, socket, subprocess, sys, time, urllib.request
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
from pathlib import Path
import yaml
import tempfile
ROOT = Path(__file__).resolve().parent.parent
work = Path(tempfile.mkdtemp(prefix="askintl-serve-"))
shutil.copytree(ROOT / "tests/data/tiny", work / "corpus")
from askintl.config import Settings
from askintl.indexer import build_index
spec = yaml.safe_load((ROOT / "deploy/ray-serve.yaml").read_text())
from ray.serve.schema import ServeDeploySchema
ServeDeploySchema.model_validate(spec) if hasattr(ServeDeploySchema, "model_validate") else ServeDeploySchema.parse_obj(spec)
print("yaml valid as a Serve config")
app_spec = spec["applications"][0]
args = {**app_spec["args"], "index_dir": str(work / "index"), "corpus_dir": str(work / "corpus"), "embedder": "hash",
        "feedback_db": str(work / "fb.sqlite")}
v1 = build_index(Settings(**args)).version
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]

def ask():
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/ask", data=json.dumps({"question": "How many teachers did Beta College send abroad?"}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.loads(r.read())

spec["http_options"] = {"host": "127.0.0.1", "port": port}
app_spec["args"] = args
dep = app_spec["deployments"][0]
dep["autoscaling_config"].update(max_replicas=2, initial_replicas=2)
dep["ray_actor_options"]["num_cpus"] = 0.5
(work / "serve.yaml").write_text(yaml.safe_dump(spec))
t = time.time()
proc = subprocess.Popen([str(Path(sys.executable).parent / "serve"), "run", str(work / "serve.yaml")],
                        stdout=open(work / "serve.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
try:
    deadline = time.time() + 240
    while True:
        try:
            st, body = ask(); break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                print(open(work / "serve.log").read()[-3000:]); raise
            time.sleep(1)
    print("serve run (the YAML with test paths, 2 replicas of 0.5 CPU): first answer after", round(time.time() - t, 1), "s")
    print("ask", st, body["index_version"] == v1, (body.get("answer") or {}).get("text", "")[:80])
    (work / "corpus" / "extra.md").write_text("# Extra\n\nBeta College sent 40 teachers abroad in 2024.\n")
    v2 = build_index(Settings(**args)).version
    seen = set()
    for _ in range(8):
        st, body = ask(); seen.add(body["index_version"])
    print("after reindex, every answer from the new version:", seen == {v2}, seen)
    log = open(work / "serve.log").read()
    print("replicas in the log:", sorted(set(re.findall(r"ServeReplica:askintl:askintl pid=\d+", log))))
finally:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
shutil.rmtree(work, ignore_errors=True)
print("OK")
