using System.Text.Json.Nodes;

namespace FhirServer.Samples;

/// <summary>What to generate.</summary>
/// <param name="Patients">Patients; each comes with <see cref="ResourcesPerPatient"/> resources.</param>
/// <param name="Practitioners">Practitioners, each with one PractitionerRole (at least 5: every profession present).</param>
/// <param name="Organizations">Organizations (at least 5: a pharmacy among them).</param>
internal sealed record SampleOptions(int Seed, long Patients, int Practitioners, int Organizations)
{
    public const int MinimumDirectory = 5;

    /// <summary>The directory's size when not given: a practitioner for five patients, an organization for ten practitioners.</summary>
    public static SampleOptions For(int seed, long patients, int? practitioners = null, int? organizations = null)
    {
        var p = practitioners ?? (int)Math.Clamp(patients / 5, MinimumDirectory, 10_000_000);
        return new SampleOptions(seed, patients, p, organizations ?? Math.Clamp(p / 10, MinimumDirectory, 100_000));
    }

    /// <summary>What is wrong with the options, or null.</summary>
    public string? Problem() =>
        Seed < 0 ? "--seed is a number from 0 up" :
        Patients < 0 || Patients > SampleIdentifiers.NirCapacity ? $"--patients goes from 0 to {SampleIdentifiers.NirCapacity:N0} (the distinct NIRs the embedded communes allow)" :
        Practitioners is < MinimumDirectory or >= 100_000_000 ? $"--practitioners goes from {MinimumDirectory} to 99,999,999 (RPPS numbers)" :
        Organizations is < MinimumDirectory or >= 1_000_000 ? $"--organizations goes from {MinimumDirectory} to 999,999 (FINESS numbers)" :
        null;

    /// <summary>A patient's resources outside the DMP: Patient; 2 Medication, 2 MedicationRequest, 1 MedicationDispense; 2 Immunization.</summary>
    public const int RecordResources = 1 + 2 * SamplePatients.PrescriptionLines + SamplePatients.Dispensed + SamplePatients.Vaccinations;

    /// <summary>Resources each patient brings: its record, and its DMP submission (List, 2 DocumentReference, 2 Binary).</summary>
    public const int ResourcesPerPatient = RecordResources + 1 + 2 * SampleDocuments.DocumentsPerSubmission;
}

/// <summary>
/// Generates the sample: the directory first (what the rest refers to), then each patient with its resources and
/// its DMP submission, handed to the sink as they are made. Same options, same output, byte for byte.
/// </summary>
internal sealed class SampleGenerator(SampleOptions options)
{
    private readonly SampleDirectory _directory = new(options.Seed, options.Organizations, options.Practitioners);

    /// <summary>Resources written, by type, in the order types first appeared.</summary>
    public Dictionary<string, long> Counts { get; } = [];

    public SampleDirectory Directory => _directory;

    public void Run(ISampleSink sink, CancellationToken cancellation = default)
    {
        for (var o = 0; o < options.Organizations; o++) Emit(sink, _directory.Organization(o));
        for (var p = 0; p < options.Practitioners; p++) Emit(sink, _directory.Practitioner(p));
        for (var p = 0; p < options.Practitioners; p++) Emit(sink, _directory.PractitionerRole(p));

        var patients = new SamplePatients(options.Seed, _directory);
        var documents = new SampleDocuments(options.Seed, _directory);
        var record = new List<JsonObject>(SampleOptions.ResourcesPerPatient);
        for (long i = 0; i < options.Patients; i++)
        {
            if (i % 1024 == 0) cancellation.ThrowIfCancellationRequested();
            var card = PatientCard.Create(options.Seed, i);
            record.Clear();
            record.Add(patients.Patient(card, i));
            var (medications, requests, dispenses) = patients.Prescription(card, i);
            record.AddRange(medications);
            record.AddRange(requests);
            record.AddRange(dispenses);
            record.AddRange(patients.Immunizations(card, i));
            foreach (var r in record) Count(r);
            sink.Patient(record);
            var submission = documents.Submission(card, i, sink.UsesBundles);
            foreach (var e in submission) Count(e.Resource);
            sink.Submission(documents, submission);
        }
    }

    private void Emit(ISampleSink sink, JsonObject resource)
    {
        Count(resource);
        sink.Directory(resource);
    }

    private void Count(JsonObject resource)
    {
        var type = (string)resource["resourceType"]!;
        Counts[type] = Counts.GetValueOrDefault(type) + 1;
    }

    /// <summary>
    /// Shell variables naming a few of the sample's resources (the first patient, a physician, a pharmacist, a
    /// nurse…), for samples/demo.sh to use without parsing JSON.
    /// </summary>
    public string Environment()
    {
        var lines = new List<(string, string)> { ("SAMPLE_SEED", options.Seed.ToString()) };
        if (options.Patients > 0)
        {
            var patient = PatientCard.Create(options.Seed, 0);
            lines.AddRange([("PATIENT_ID", patient.Id), ("PATIENT_INS", patient.Nir), ("PATIENT_FAMILY", patient.Family),
                ("PATIENT_GIVEN", patient.Given[0]), ("PATIENT_BIRTHDATE", Fhir.Date(patient.BirthDate))]);
        }
        // A physician whose given name has an accent, when one of the first is so named: the name search shows folding.
        var physician = Enumerable.Range(0, Math.Min(options.Practitioners, 100))
            .Select(i => _directory.PractitionerCard(_directory.Find(i, Profession.Physician)))
            .FirstOrDefault(c => Conformance.Search.SearchText.Normalize(c.Given) != c.Given.ToLowerInvariant())
            ?? _directory.PractitionerCard(_directory.Find(0, Profession.Physician));
        var pharmacist = _directory.PractitionerCard(_directory.Find(0, Profession.Pharmacist));
        var nurse = _directory.PractitionerCard(_directory.Find(0, Profession.Nurse));
        lines.AddRange([
            ("PHYSICIAN_ID", physician.Id), ("PHYSICIAN_RPPS", physician.Rpps), ("PHYSICIAN_IDNATPS", SampleIdentifiers.IdNatPs(physician.Rpps)),
            ("PHYSICIAN_GIVEN", physician.Given), ("PHYSICIAN_GIVEN_FOLDED", Conformance.Search.SearchText.Normalize(physician.Given)),
            ("PHYSICIAN_FAMILY", physician.Family),
            ("ORGANIZATION_ID", physician.Organization.Id), ("ORGANIZATION_FINESS", physician.Organization.Finess),
            ("PHARMACIST_ID", pharmacist.Id), ("NURSE_ID", nurse.Id),
        ]);
        return string.Concat(lines.Select(l => $"{l.Item1}='{l.Item2.Replace("'", "'\\''")}'\n"));
    }
}
