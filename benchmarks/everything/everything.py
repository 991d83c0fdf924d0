"""Loads two patients' compartments, then walks Patient/$everything by its next links and prints the rate."""
import json
import sys
import time
import urllib.request

base, size, count, rounds, store = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def send(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url if url.startswith("http") else base + url, data=data, method=method,
                                     headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def resource(patient, i):
    subject = {"reference": "Patient/" + patient}
    kind = i % 10
    if kind < 6:
        return {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                "subject": subject, "effectiveDateTime": "2025-01-%02d" % (i % 28 + 1),
                "valueQuantity": {"value": 60 + i % 40, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}
    if kind < 8:
        return {"resourceType": "Immunization", "status": "completed", "patient": subject, "occurrenceDateTime": "2024-10-15",
                "vaccineCode": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J07BB02"}]}}
    if kind < 9:
        return {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": subject,
                "medicationCodeableConcept": {"text": "paracétamol 500 mg"}, "authoredOn": "2025-02-01"}
    return {"resourceType": "Encounter", "status": "finished", "subject": subject,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}}


for patient in ("bench-1", "bench-2"):
    send("PUT", "/Patient/" + patient, {"resourceType": "Patient", "id": patient, "name": [{"family": "Banc"}]})
    for start in range(0, size, 500):
        entries = [{"resource": resource(patient, i), "request": {"method": "POST", "url": resource(patient, i)["resourceType"]}}
                   for i in range(start, min(size, start + 500))]
        send("POST", "/", {"resourceType": "Bundle", "type": "transaction", "entry": entries})

for round_ in range(1, rounds + 1):
    started = time.perf_counter()
    pages = found = 0
    url = "/Patient/bench-1/$everything?_count=%d" % count
    while url:
        page = send("GET", url)
        pages += 1
        found += sum(1 for e in page.get("entry", []) if e["search"]["mode"] == "match")
        url = next((l["url"] for l in page["link"] if l["relation"] == "next"), None)
    elapsed = time.perf_counter() - started
    if found != size + 1:
        sys.exit("%s: $everything found %d resources, expected %d" % (store, found, size + 1))
    print("%s round %d: %d resources in %d pages of %d, %.3f s: %.0f resources/s, %.1f pages/s"
          % (store, round_, found, pages, count, elapsed, found / elapsed, pages / elapsed))
