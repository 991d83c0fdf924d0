#!/usr/bin/env bash
# The four French flows against a running server, with curl: loads a generated sample, then DMP documents (MHD ITI-65,
# ITI-67, ITI-68), an e-prescription and its dispensation, a vaccination, the health-professional directory and the
# INS. Prints each request and what it shows; exits non-zero at the first step that does not answer as expected.
#
#   samples/demo.sh [base-url] [sample-folder]
#
# base-url defaults to http://localhost:8080 (the server's default address). sample-folder is the output of
# `generate --format bundles`; without it, a sample of 20 patients is generated first with `dotnet run`.
# Needs bash, curl, grep and sed only.
set -euo pipefail

BASE="${1:-http://localhost:8080}"
BASE="${BASE%/}"
SAMPLE="${2:-}"

# What the flows answer; each can be loosened from the environment to walk a server configured otherwise.
EXPECT_DUPLICATE_INS="${EXPECT_DUPLICATE_INS:-409}"  # a second Patient with the same INS (Server:UniqueIdentifiers)
EXPECT_DISPENSED_STATUS="${EXPECT_DISPENSED_STATUS:-completed}"  # the prescription's status once its only dispensation is handed over
EXPECT_GROUP_MATCHES="${EXPECT_GROUP_MATCHES:-1}"  # MedicationRequest?group-identifier= of the new prescription

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STEP=0
STATUS=""
CONTENT_TYPE=""
LAST_PARAMETERS=()
BODY="$WORK/body"

if [[ -z "$SAMPLE" ]]; then
  SAMPLE="$WORK/sample"
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  echo "Generating a sample of 20 patients into $SAMPLE"
  (cd "$root" && dotnet run --project FhirServer -- generate --patients 20 --seed 1 --out "$SAMPLE") > "$WORK/generate.log"
  head -1 "$WORK/generate.log"
fi
if [[ ! -f "$SAMPLE/sample.env" ]]; then
  echo "demo: $SAMPLE is not the output of 'generate --format bundles' (no sample.env)" >&2
  exit 2
fi
# shellcheck source=/dev/null
source "$SAMPLE/sample.env"

INS_SYSTEM="urn:oid:1.2.250.1.213.1.4.10"
RPPS_SYSTEM="https://rpps.esante.gouv.fr"
IDNATPS_SYSTEM="urn:oid:1.2.250.1.71.4.2.1"
FINESS_SYSTEM="https://finess.esante.gouv.fr"

step() {
  STEP=$((STEP + 1))
  printf '\n== %d. %s\n' "$STEP" "$1"
}

fail() {
  echo "FAILED at step $STEP: $1" >&2
  # An OperationOutcome says why: its diagnostics, one per line.
  grep -o '"diagnostics" *: *"[^"]*"' "$BODY" 2>/dev/null | sed 's/^"diagnostics" *: *//' | head -5 >&2 || true
  exit 1
}

# call METHOD PATH [body-file] [content-type] [query parameters (name=value, url-encoded by curl)...]
call() {
  local method="$1" path="$2" file="${3:-}" type="${4:-application/fhir+json}"
  shift $(( $# < 4 ? $# : 4 ))
  local args=(-s -o "$BODY" -w '%{http_code} %{content_type}' -X "$method" -H 'Accept: application/fhir+json')
  if [[ -n "$file" ]]; then args+=(-H "Content-Type: $type" --data-binary "@$file"); fi
  if (( $# > 0 )); then
    args+=(-G)
    for p in "$@"; do args+=(--data-urlencode "$p"); done
  fi
  local out
  out="$(curl "${args[@]}" "$BASE$path")" || fail "curl could not reach $BASE$path"
  STATUS="${out%% *}"
  CONTENT_TYPE="${out#* }"
  LAST_PARAMETERS=("$@")
  local shown="$path"
  (( $# > 0 )) && shown="$path?$(IFS='&'; echo "$*")"
  printf '   %s %s -> %s\n' "$method" "$shown" "$STATUS"
}

expect() {
  [[ "$STATUS" =~ ^($1)$ ]] || fail "expected HTTP $1, got $STATUS"
}

# Entries of a searchset that matched (not the _include'd ones).
matches() { { grep -o '"mode" *: *"match"' "$BODY" || true; } | wc -l | tr -d ' '; }

# expect_matches COUNT: a number, or a pattern (ANY: one or more).
expect_matches() {
  local n pattern="${1/ANY/[1-9][0-9]*}"
  n="$(matches)"
  [[ "$n" =~ ^($pattern)$ ]] || fail "expected $1 match(es), got $n"
  echo "   $n match(es)"
  # A search parameter the server does not know is left out of the self link (R4 search.html#errors, lenient handling).
  local self
  self="$(grep -o '"relation" *: *"self" *, *"url" *: *"[^"]*"' "$BODY" | head -1 || true)"
  for p in "${LAST_PARAMETERS[@]}"; do
    name="${p%%=*}"
    [[ -z "$self" || "$self" == *"$name="* || "$self" == *"$(printf %s "$name" | sed 's/:/%3A/g')="* ]] \
      || echo "   note: the server ignored the parameter '$name'"
  done
}

# The first value of a JSON string property in the last body: first_value name [prefix]
first_value() { { grep -o "\"$1\" *: *\"${2:-}[^\"]*\"" "$BODY" || true; } | head -1 | sed 's/^"[^"]*" *: *"//; s/"$//'; }

# post_transactions SKIPPED FILE...: posts each transaction Bundle but SKIPPED, quietly; POSTED counts them.
post_transactions() {
  local skipped="$1"
  shift
  POSTED=0
  for f in "$@"; do
    [[ -e "$f" && "$f" != "$skipped" ]] || continue
    call POST / "$f" > /dev/null
    expect 200
    POSTED=$((POSTED + 1))
  done
}

step "The server answers: CapabilityStatement"
call GET /metadata
expect 200

step "Load the directory and the patients (transaction Bundles 1-* and 2-*, by PUT: a reload updates)"
post_transactions "" "$SAMPLE"/1-*.json "$SAMPLE"/2-*.json
echo "   $POSTED Bundles loaded"

step "DMP, ITI-65 Provide Document Bundle: a SubmissionSet, two DocumentReferences, a PDF and a CDA R2 document"
first_dmp="$(find "$SAMPLE" -maxdepth 1 -name '3-dmp-*.json' | sort | head -1)"
[[ -n "$first_dmp" ]] || fail "the sample has no DMP submission (3-dmp-*.json): generate it with --patients 1 or more"
call POST / "$first_dmp"
expect 200
binary="$(first_value location Binary/ | sed 's#/_history/.*##')"
[[ -n "$binary" ]] || fail "the transaction-response names no Binary"
echo "   stored: $(grep -o '"location" *: *"[A-Za-z]*/' "$BODY" | sed 's/.*"//; s#/##' | sort | uniq -c | tr -s ' ' | paste -sd, -)"
post_transactions "$first_dmp" "$SAMPLE"/3-dmp-*.json
echo "   and the $POSTED other submissions of the sample"

step "DMP, ITI-67 Find Document References by the patient's INS"
call GET /DocumentReference "" "" "patient.identifier=$INS_SYSTEM|$PATIENT_INS" "status=current"
expect 200
# Two per submission: more when the sample was loaded before (a resubmission adds documents).
expect_matches '[2-9]|[1-9][0-9]+'
echo "   first document: $(first_value title)"

step "DMP, ITI-66 Find Document Lists (the SubmissionSet) by the patient's INS"
call GET /List "" "" "patient.identifier=$INS_SYSTEM|$PATIENT_INS"
expect 200
expect_matches ANY

step "DMP, ITI-68 Retrieve Document: the raw bytes of $binary with their content type"
# Without a FHIR Accept header: the content itself, not its FHIR form.
out="$(curl -s -o "$WORK/document" -w '%{http_code} %{content_type}' "$BASE/$binary")"
STATUS="${out%% *}"
CONTENT_TYPE="${out#* }"
printf '   GET /%s -> %s\n' "$binary" "$STATUS"
expect 200
magic="$(head -c 5 "$WORK/document")"
echo "   $CONTENT_TYPE, $(wc -c < "$WORK/document" | tr -d ' ') bytes, starting with '$magic'"
[[ "$CONTENT_TYPE" == application/pdf* && "$magic" == "%PDF-" || "$CONTENT_TYPE" == text/xml* && "$magic" == "<?xml" ]] \
  || fail "expected a PDF or a CDA document, got $CONTENT_TYPE starting with '$magic'"

step "e-prescription: a Medication and its MedicationRequest by Dr $PHYSICIAN_GIVEN $PHYSICIAN_FAMILY (a transaction)"
group="DEMO-$(date +%s)-$$"
cat > "$WORK/prescription.json" <<EOF
{"resourceType": "Bundle", "type": "transaction", "entry": [
 {"fullUrl": "urn:uuid:6f0e1c2a-9b8d-4c7e-a5f4-3e2d1c0b9a87",
  "resource": {"resourceType": "Medication",
   "meta": {"profile": ["https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medication-noncompound"]},
   "code": {"coding": [{"system": "http://data.esante.gouv.fr/ansm/medicament/UCD", "code": "9004812", "display": "Paracétamol 1 g, comprimé"}],
            "text": "Paracétamol 1 g, comprimé"}},
  "request": {"method": "POST", "url": "Medication"}},
 {"fullUrl": "urn:uuid:1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
  "resource": {"resourceType": "MedicationRequest",
   "meta": {"profile": ["https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medicationrequest"]},
   "status": "active", "intent": "order",
   "medicationReference": {"reference": "urn:uuid:6f0e1c2a-9b8d-4c7e-a5f4-3e2d1c0b9a87"},
   "subject": {"reference": "Patient/$PATIENT_ID"},
   "authoredOn": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
   "requester": {"reference": "Practitioner/$PHYSICIAN_ID"},
   "groupIdentifier": {"system": "urn:oid:1.2.250.1.999.3.2", "value": "$group"},
   "dosageInstruction": [{"text": "1 comprimé 3 fois par jour si douleur, pendant 5 jours",
     "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
     "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé", "system": "http://standardterms.edqm.eu", "code": "15054000"}}]}]},
  "request": {"method": "POST", "url": "MedicationRequest"}}]}
EOF
call POST / "$WORK/prescription.json"
expect 200
request="$(first_value location MedicationRequest/ | sed 's#/_history/.*##')"
medication="$(first_value location Medication/ | sed 's#/_history/.*##')"
echo "   $request, $medication, group $group"

step "Dispensation: the pharmacist's MedicationDispense of $request"
cat > "$WORK/dispense.json" <<EOF
{"resourceType": "MedicationDispense", "status": "completed",
 "medicationReference": {"reference": "$medication"},
 "subject": {"reference": "Patient/$PATIENT_ID"},
 "performer": [{"actor": {"reference": "Practitioner/$PHARMACIST_ID"}}],
 "authorizingPrescription": [{"reference": "$request"}],
 "quantity": {"value": 15, "unit": "comprimé", "system": "http://standardterms.edqm.eu", "code": "15054000"},
 "whenHandedOver": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
EOF
call POST /MedicationDispense "$WORK/dispense.json"
expect 201

step "The prescriber's and the pharmacist's searches"
call GET /MedicationRequest "" "" "group-identifier=$group"
expect 200
expect_matches "$EXPECT_GROUP_MATCHES"
call GET /MedicationRequest "" "" "patient.identifier=$INS_SYSTEM|$PATIENT_INS" "requester.identifier=$RPPS_SYSTEM|$PHYSICIAN_RPPS"
expect 200
expect_matches ANY
call GET /MedicationDispense "" "" "prescription=$request"
expect 200
expect_matches 1
call GET /MedicationRequest "" "" "_id=${request#MedicationRequest/}" "_revinclude=MedicationDispense:prescription"
expect 200
grep -q '"resourceType" *: *"MedicationDispense"' "$BODY" || fail "the dispensation is not _revinclude'd"
call GET "/$request"
expect 200
status="$(first_value status)"
echo "   the prescription's status after its dispensation: $status"
[[ "$status" =~ ^($EXPECT_DISPENSED_STATUS)$ ]] || fail "expected status $EXPECT_DISPENSED_STATUS, got $status"

step "Vaccination record: an Immunization given by a nurse, found by vaccine code and date"
cat > "$WORK/immunization.json" <<EOF
{"resourceType": "Immunization", "status": "completed",
 "vaccineCode": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J07BB02",
   "display": "influenza, inactivated, split virus or surface antigen"}], "text": "Vaccin grippal inactivé quadrivalent"},
 "patient": {"reference": "Patient/$PATIENT_ID"},
 "occurrenceDateTime": "$(date -u +%Y-%m-%d)",
 "primarySource": true, "lotNumber": "DEMO01",
 "performer": [{"actor": {"reference": "Practitioner/$NURSE_ID"}}]}
EOF
call POST /Immunization "$WORK/immunization.json"
expect 201
call GET /Immunization "" "" "patient.identifier=$INS_SYSTEM|$PATIENT_INS" "vaccine-code=http://www.whocc.no/atc|J07BB02" "date=ge2020-01-01"
expect 200
expect_matches ANY

step "Directory: the physician by RPPS and by IdNatPS, by name with and without accents, their role at the organization"
call GET /Practitioner "" "" "identifier=$RPPS_SYSTEM|$PHYSICIAN_RPPS"
expect 200
expect_matches 1
call GET /Practitioner "" "" "identifier=$IDNATPS_SYSTEM|$PHYSICIAN_IDNATPS"
expect 200
expect_matches 1
call GET /Practitioner "" "" "name=$PHYSICIAN_GIVEN"
expect 200
expect_matches ANY
# In capitals without accents, as the INS and older directory extracts write names.
call GET /Practitioner "" "" "name=${PHYSICIAN_GIVEN_FOLDED^^}"
expect 200
expect_matches ANY
call GET /PractitionerRole "" "" "practitioner.identifier=$RPPS_SYSTEM|$PHYSICIAN_RPPS" "organization.identifier=$FINESS_SYSTEM|$ORGANIZATION_FINESS"
expect 200
expect_matches 1

step "INS: the patient by INS, and by the accented usual name beside the INS birth name in capitals"
call GET /Patient "" "" "identifier=$INS_SYSTEM|$PATIENT_INS"
expect 200
expect_matches 1
echo "   $(first_value family) (INS $PATIENT_INS)"
call GET /Patient "" "" "family=$PATIENT_FAMILY" "given=$PATIENT_GIVEN" "birthdate=$PATIENT_BIRTHDATE"
expect 200
expect_matches 1

step "INS: a second patient with the same INS"
cat > "$WORK/duplicate.json" <<EOF
{"resourceType": "Patient",
 "identifier": [{"use": "official", "system": "$INS_SYSTEM", "value": "$PATIENT_INS"}],
 "name": [{"family": "Doublon", "given": ["Démo"]}], "gender": "unknown"}
EOF
call POST /Patient "$WORK/duplicate.json"
expect "$EXPECT_DUPLICATE_INS"
if [[ "$STATUS" == 409 ]]; then
  echo "   refused: $(first_value diagnostics)"
else
  duplicate="$(first_value id)"
  echo "   note: the server stored the duplicate (no uniqueness rule on the INS); deleting Patient/$duplicate"
  call DELETE "/Patient/$duplicate"
  expect '200|204'
fi

printf '\nAll %d steps passed against %s\n' "$STEP" "$BASE"
