#!/usr/bin/env python3
"""Memory soak: varied requests against a running server on this machine; prints its resident memory (VmRSS).

    soak.py BASE_URL PID [--requests N]

Warm-up first (every kind of request once in a while), then N requests of which most are new to the server: distinct
FHIRPath Patch paths, distinct searches (other parameters, OR lists of other lengths), batches and large bodies
(resources of 10,000 and 50,000 repeats). Resident memory is read from /proc/PID/status after the warm-up, along the
run, and after the run; what counts is the ratio of the last to the first.
"""
import json, sys, time, urllib.request, urllib.error, random

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1

def call(base, method, path, body=None, ctype="application/fhir+json"):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": ctype, "Accept": "application/fhir+json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def patient(i, repeats=2):
    return {"resourceType": "Patient", "name": [{"family": f"Fam{i}", "given": [f"G{i}"]}],
            "identifier": [{"system": "http://example.org/soak", "value": f"id-{i}-{k}"} for k in range(repeats)],
            "birthDate": f"19{i % 100:02d}-01-01"}

def observation(i, components):
    return {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": f"{i}-1"}]},
            "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": f"c{k}"}]},
                           "valueQuantity": {"value": k, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}} for k in range(components)]}

def step(base, i, ids, big):
    kind = i % 10
    if kind == 0:
        status, body = call(base, "POST", "/Patient", patient(i))
        if status == 201:
            ids.append(json.loads(body)["id"])
    elif kind == 1 and ids:
        pid = random.choice(ids)
        ops = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
            {"name": "type", "valueCode": "replace"},
            {"name": "path", "valueString": f"Patient.name.where(family = 'Fam{i}' or given = 'G{i}').given"},
            {"name": "value", "valueString": f"x{i}"}]}]}
        call(base, "PATCH", f"/Patient/{pid}", ops)
    elif kind == 2:
        n = 1 + i % 40
        codes = ",".join(f"http://loinc.org|{i}-{k}" for k in range(n))
        call(base, "GET", f"/Observation?code={codes}&_count={1 + i % 20}")
    elif kind == 3:
        call(base, "GET", f"/Patient?name=fam{i}&birthdate=ge19{i % 100:02d}-01-01&_count={1 + i % 7}")
    elif kind == 4:
        entries = [{"request": {"method": "POST", "url": "Patient"}, "resource": patient(i * 100 + k)} for k in range(20)]
        call(base, "POST", "/", {"resourceType": "Bundle", "type": "batch", "entry": entries})
    elif kind == 5:
        call(base, "GET", f"/Patient?identifier=http://example.org/soak|id-{i}-0&_elements=name,birthDate")
    elif kind == 6 and big:
        size = 50_000 if i % 200 == 6 else 10_000
        call(base, "POST", "/Patient", patient(i, repeats=size))
    elif kind == 7:
        call(base, "POST", "/Observation", observation(i, 1 + i % 50))
    elif kind == 8 and ids:
        call(base, "GET", f"/Patient/{random.choice(ids)}")
    else:
        call(base, "GET", f"/Observation?component-code=c{i % 50}&value-quantity=gt{i % 50}|http://unitsofmeasure.org|mg&_count=5")

def main():
    base, pid = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 3000
    random.seed(7)
    ids = []
    print(f"start: {rss(pid)} MB", flush=True)
    for i in range(400):
        step(base, i, ids, big=(i % 100 == 6))
    time.sleep(2)
    warm = rss(pid)
    print(f"after warm-up (400 requests): {warm} MB", flush=True)
    started = time.time()
    peak = warm
    for i in range(400, 400 + n):
        step(base, i, ids, big=True)
        if i % 500 == 0:
            now = rss(pid)
            peak = max(peak, now)
            print(f"  after {i - 400} requests: {now} MB ({time.time() - started:.0f} s)", flush=True)
    time.sleep(5)
    end = rss(pid)
    print(f"after {n} requests: {end} MB (peak seen {max(peak, end)} MB); {end / warm:.2f}× the memory after warm-up", flush=True)

if __name__ == "__main__":
    main()
