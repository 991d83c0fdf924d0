#!/usr/bin/env python3
"""Writes a fictitious Annuaire-shaped directory extract as NDJSON: N practitioners, N roles, N/2 organizations.

Identifiers carry valid check digits (RPPS and FINESS Luhn, SIRET over its SIREN), names have accents, so that the
server's validation on write accepts every line. Deterministic: resource i is the same on every run.
usage: generate.py N folder
"""
import json, os, sys

def luhn(digits):
    for key in range(10):
        s = digits + str(key)
        total = 0
        for i, c in enumerate(reversed(s)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return s
    raise ValueError(digits)

NAMES = [("Hélène", "Lefèvre"), ("JÉRÔME", "CHÂTEAU"), ("Zoé", "Noël"), ("François", "Dupont"), ("Anaïs", "Bénard"), ("Loïc", "Gaëtan")]
CITIES = [("Saint-Étienne", "42000"), ("Nancy", "54000"), ("Besançon", "25000"), ("Paris", "75013")]
SPECIALTIES = ["SM26", "SM54", "SM53", "SM02"]
SPECIALTY = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"

def organization(i):
    finess = luhn(f"42{i:06d}"[-8:])
    siret = luhn(luhn(f"3{i:07d}"[-8:]) + "0001")
    city, postal = CITIES[i % len(CITIES)]
    return {"resourceType": "Organization", "id": f"org-{i}", "identifier": [
        {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1" + finess},
        {"system": "https://finess.esante.gouv.fr", "value": finess},
        {"system": "https://sirene.fr", "value": siret}],
        "active": True, "name": f"Centre de santé {i}",
        "address": [{"line": [f"{i} rue de la République"], "city": city, "postalCode": postal, "country": "FR"}]}

def practitioner(i):
    rpps = luhn(f"1{i:09d}"[-10:])
    given, family = NAMES[i % len(NAMES)]
    return {"resourceType": "Practitioner", "id": f"pract-{i}", "identifier": [
        {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "8" + rpps},
        {"system": "https://rpps.esante.gouv.fr", "value": rpps}],
        "active": True, "name": [{"family": family, "given": [given], "prefix": ["DR"]}]}

def role(i):
    return {"resourceType": "PractitionerRole", "id": f"role-{i}", "active": True,
            "practitioner": {"reference": f"Practitioner/pract-{i}"}, "organization": {"reference": f"Organization/org-{i // 2}"},
            "specialty": [{"coding": [{"system": SPECIALTY, "code": SPECIALTIES[i % len(SPECIALTIES)]}]}]}

def main():
    n, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    for name, make, count in [("organizations", organization, (n + 1) // 2), ("practitioners", practitioner, n), ("roles", role, n)]:
        with open(os.path.join(folder, name + ".ndjson"), "w", encoding="utf-8") as out:
            for i in range(count):
                out.write(json.dumps(make(i), ensure_ascii=False, separators=(",", ":")) + "\n")

main()
