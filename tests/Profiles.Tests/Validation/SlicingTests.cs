using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Slicing (R4 profiling.html §5.1.0.7): small differential-only profiles, one per discriminator type and rule, and
/// FR Core / Annuaire profiles; messages as the HL7 validator words them.
/// </summary>
public class SlicingTests
{
    private const string Base = "http://example.org/fhir/StructureDefinition/";

    /// <summary>A profile of <paramref name="type"/> with the given differential elements (JSON objects).</summary>
    internal static string Profile(string name, string type, params string[] elements) =>
        $$$"""
        {"resourceType":"StructureDefinition","url":"{{{Base}}}{{{name}}}","name":"{{{name}}}","status":"active","kind":"resource",
         "abstract":false,"type":"{{{type}}}","baseDefinition":"http://hl7.org/fhir/StructureDefinition/{{{type}}}","derivation":"constraint",
         "differential":{"element":[{{{string.Join(",", elements)}}}]}}
        """;

    internal static ResourceValidator With(params string[] definitions)
    {
        var validator = ProfilesTestData.NewValidator();
        foreach (var d in definitions)
        {
            using var doc = JsonDocument.Parse(d);
            Assert.That(validator.Profiles.Add(doc.RootElement), Is.Empty);
        }
        return validator;
    }

    internal static List<string> Errors(ResourceValidator validator, string resource) =>
        [.. validator.Validate(ProfilesTestData.Parse(resource)).Issues.Where(i => i.IsError).Select(i => $"{i.Expression}: {i.Message}")];

    private static string Patient(string profile, string body) =>
        $$$"""{"resourceType":"Patient","meta":{"profile":["{{{Base}}}{{{profile}}}"]}{{{body}}}}""";

    // identifier sliced by system: a (1..1) and b (0..1).
    private static readonly string BySystem = Profile("by-system", "Patient",
        """{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"closed"}}""",
        """{"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a","min":1,"max":"1"}""",
        """{"id":"Patient.identifier:a.system","path":"Patient.identifier.system","min":1,"fixedUri":"http://a"}""",
        """{"id":"Patient.identifier:a.value","path":"Patient.identifier.value","min":1}""",
        """{"id":"Patient.identifier:b","path":"Patient.identifier","sliceName":"b","max":"1"}""",
        """{"id":"Patient.identifier:b.system","path":"Patient.identifier.system","min":1,"fixedUri":"http://b"}""");

    [Test]
    public void Value_discriminator_sorts_nodes_by_their_fixed_value()
    {
        var validator = With(BySystem);
        Assert.That(Errors(validator, Patient("by-system", ""","identifier":[{"system":"http://b","value":"2"},{"system":"http://a","value":"1"}]""")), Is.Empty);
    }

    [Test]
    public void A_required_slice_missing_and_a_slice_over_its_max_are_reported_on_the_parent()
    {
        var validator = With(BySystem);
        Assert.That(Errors(validator, Patient("by-system", ""","identifier":[{"system":"http://b","value":"1"},{"system":"http://b","value":"2"}]""")),
            Is.EquivalentTo(new[]
            {
                $"Patient: Slice 'Patient.identifier:a': a matching slice is required, but not found (from {Base}by-system).",
                $"Patient: Patient.identifier:b: max allowed = 1, but found 2 (from {Base}by-system)",
            }));
        // Where the sliced element is absent altogether, a required slice is still missing.
        Assert.That(Errors(validator, Patient("by-system", "")), Has.Some.StartsWith("Patient: Slice 'Patient.identifier:a': a matching slice is required"));
    }

    [Test]
    public void Closed_slicing_refuses_a_node_in_no_slice()
    {
        var errors = Errors(With(BySystem), Patient("by-system", ""","identifier":[{"system":"http://a","value":"1"},{"system":"http://c"}]"""));
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.StartWith($"Patient.identifier[1]: This element does not match any known slice defined in the profile {Base}by-system and slicing is CLOSED: Patient.identifier[1]: Does not match slice 'a' (discriminator: the 'value' discriminator 'system')"));
    }

    [Test]
    public void A_node_is_checked_against_its_slice_as_well()
    {
        // a.value is 1..1 in the slice only.
        var errors = Errors(With(BySystem), Patient("by-system", ""","identifier":[{"system":"http://a"}]"""));
        Assert.That(errors, Is.EqualTo(new[] { $"Patient.identifier[0]: Patient.identifier.value: minimum required = 1, but only found 0 (from {Base}by-system)" }));
    }

    [Test]
    public void A_node_in_a_slice_still_meets_what_the_profile_says_of_the_sliced_element()
    {
        // The invariant is on Patient.identifier itself, which the slice (a copy of the base's element) does not repeat.
        var profile = Profile("sliced-with-invariant", "Patient",
            """{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"},"constraint":[{"key":"id-v","severity":"error","human":"An identifier has a value","expression":"value.exists()"}]}""",
            """{"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a"}""",
            """{"id":"Patient.identifier:a.system","path":"Patient.identifier.system","fixedUri":"http://a"}""");
        var errors = Errors(With(profile), Patient("sliced-with-invariant", ""","identifier":[{"system":"http://a"},{"system":"http://b"}]"""));
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            $"Patient.identifier[0]: Constraint failed: id-v: 'An identifier has a value' (defined in {Base}sliced-with-invariant)",
            $"Patient.identifier[1]: Constraint failed: id-v: 'An identifier has a value' (defined in {Base}sliced-with-invariant)",
        }));
    }

    [Test]
    public void Pattern_discriminator_on_a_codeable_concept_and_a_node_in_two_slices()
    {
        var profile = Profile("by-pattern", "Observation",
            """{"id":"Observation.category","path":"Observation.category","slicing":{"discriminator":[{"type":"pattern","path":"$this"}],"rules":"open"}}""",
            """{"id":"Observation.category:vs","path":"Observation.category","sliceName":"vs","min":1,"max":"1","patternCodeableConcept":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}}""",
            """{"id":"Observation.category:any","path":"Observation.category","sliceName":"any","max":"1","patternCodeableConcept":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}}""");
        var validator = With(profile);
        string Obs(string categories) =>
            $$$"""{"resourceType":"Observation","meta":{"profile":["{{{Base}}}by-pattern"]},"status":"final","code":{"text":"x"},"category":[{{{categories}}}]}""";
        const string exam = """{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"exam"}]}""";
        const string vitals = """{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}],"text":"Vitals"}""";
        Assert.That(Errors(validator, Obs(exam)), Is.EqualTo(new[]
        {
            $"Observation: Slice 'Observation.category:vs': a matching slice is required, but not found (from {Base}by-pattern). Note that other slices are allowed in addition to this required slice",
        }));
        Assert.That(Errors(validator, Obs(vitals)), Is.EqualTo(new[]
        {
            $"Observation.category[0]: Profile {Base}by-pattern, Element matches more than one slice - vs, any",
        }));
    }

    [Test]
    public void Exists_discriminator()
    {
        var profile = Profile("by-exists", "Patient",
            """{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"exists","path":"period"}],"rules":"closed"}}""",
            """{"id":"Patient.identifier:dated","path":"Patient.identifier","sliceName":"dated","max":"1"}""",
            """{"id":"Patient.identifier:dated.period","path":"Patient.identifier.period","min":1}""",
            """{"id":"Patient.identifier:undated","path":"Patient.identifier","sliceName":"undated"}""",
            """{"id":"Patient.identifier:undated.period","path":"Patient.identifier.period","max":"0"}""");
        var validator = With(profile);
        Assert.That(Errors(validator, Patient("by-exists", ""","identifier":[{"value":"1"},{"value":"2","period":{"start":"2020"}},{"value":"3"}]""")), Is.Empty);
        Assert.That(Errors(validator, Patient("by-exists", ""","identifier":[{"value":"2","period":{"start":"2020"}},{"value":"3","period":{"start":"2021"}}]""")),
            Is.EqualTo(new[] { $"Patient: Patient.identifier:dated: max allowed = 1, but found 2 (from {Base}by-exists)" }));
    }

    // Bundle entries sliced by the type of their resource, and by conformance to a profile (the patient slice requires a
    // Patient with a birth date).
    private static readonly string Born = Profile("born", "Patient",
        """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}""");

    [TestCase("type")]
    [TestCase("profile")]
    public void Type_and_profile_discriminators_on_bundle_entries(string discriminator)
    {
        var profile = Profile("by-" + discriminator, "Bundle",
            $$$"""{"id":"Bundle.entry","path":"Bundle.entry","slicing":{"discriminator":[{"type":"{{{discriminator}}}","path":"resource"}],"rules":"closed"}}""",
            """{"id":"Bundle.entry:patient","path":"Bundle.entry","sliceName":"patient","min":1,"max":"1"}""",
            $$$"""{"id":"Bundle.entry:patient.resource","path":"Bundle.entry.resource","min":1,"type":[{"code":"Patient","profile":["{{{Base}}}born"]}]}""",
            """{"id":"Bundle.entry:obs","path":"Bundle.entry","sliceName":"obs"}""",
            """{"id":"Bundle.entry:obs.resource","path":"Bundle.entry.resource","min":1,"type":[{"code":"Observation"}]}""");
        var validator = With(Born, profile);
        string Bundle(string patient, string other) =>
            $$$"""{"resourceType":"Bundle","meta":{"profile":["{{{Base}}}by-{{{discriminator}}}"]},"type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"{{{patient}}}}},{"fullUrl":"urn:uuid:2","resource":{{{other}}}}]}""";
        const string obs = """{"resourceType":"Observation","status":"final","code":{"text":"x"}}""";
        const string born = ",\"birthDate\":\"1970\"";
        Assert.That(Errors(validator, Bundle(born, obs)), Is.Empty);
        var practitioner = Errors(validator, Bundle(born, """{"resourceType":"Practitioner"}"""));
        Assert.That(practitioner, Has.Count.EqualTo(1));
        Assert.That(practitioner[0], Does.StartWith($"Bundle.entry[1]: This element does not match any known slice defined in the profile {Base}by-{discriminator} and slicing is CLOSED"));
        var unborn = Errors(validator, Bundle("", obs));
        if (discriminator == "profile")
            // A patient without birth date is in no slice: the slicing is closed and the patient slice is missing.
            Assert.That(unborn, Has.Some.StartsWith("Bundle.entry[0]: This element does not match any known slice").And
                .Some.StartsWith("Bundle: Slice 'Bundle.entry:patient': a matching slice is required, but not found"));
        else
            // By type it is in the slice, and checked against the slice's profile.
            Assert.That(unborn, Is.EqualTo(new[] { $"Bundle.entry[0].resource: Patient.birthDate: minimum required = 1, but only found 0 (from {Base}born)" }));
    }

    [Test]
    public void Type_discriminator_through_resolve_follows_contained_references()
    {
        var profile = Profile("by-target", "List",
            """{"id":"List.entry","path":"List.entry","slicing":{"discriminator":[{"type":"type","path":"item.resolve()"}],"rules":"closed"}}""",
            """{"id":"List.entry:patients","path":"List.entry","sliceName":"patients"}""",
            """{"id":"List.entry:patients.item","path":"List.entry.item","type":[{"code":"Reference","targetProfile":["http://hl7.org/fhir/StructureDefinition/Patient"]}]}""");
        var validator = With(profile);
        string List(string target) =>
            $$$"""{"resourceType":"List","meta":{"profile":["{{{Base}}}by-target"]},"contained":[{"resourceType":"Patient","id":"p"},{"resourceType":"Group","id":"g","type":"person","actual":true}],"status":"current","mode":"working","subject":{"reference":"#{{{(target == "p" ? "g" : "p")}}}"},"entry":[{"item":{"reference":"#{{{target}}}"}}]}""";
        // The subject refers to the other contained resource, so that both are referenced (dom-3).
        Assert.That(Errors(validator, List("p")), Is.Empty);
        Assert.That(Errors(validator, List("g")), Has.One.StartsWith("List.entry[0]: This element does not match any known slice"));
    }

    [Test]
    public void Required_binding_decides_through_the_terminology()
    {
        // The slice takes the categories of observation-category (required), whatever the code.
        var profile = Profile("by-binding", "Observation",
            """{"id":"Observation.category","path":"Observation.category","slicing":{"discriminator":[{"type":"value","path":"$this"}],"rules":"closed"}}""",
            """{"id":"Observation.category:known","path":"Observation.category","sliceName":"known","max":"1","binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/observation-category"}}""");
        var validator = With(profile);
        string Obs(string code) =>
            $$$"""{"resourceType":"Observation","meta":{"profile":["{{{Base}}}by-binding"]},"status":"final","code":{"text":"x"},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"{{{code}}}"}]}]}""";
        Assert.That(Errors(validator, Obs("laboratory")), Is.Empty);
        Assert.That(Errors(validator, Obs("nonsense")), Has.One.StartsWith("Observation.category[0]: This element does not match any known slice"));
    }

    [Test]
    public void Ordered_and_open_at_end_slicing()
    {
        string Sliced(string name, string rules, bool ordered) => Profile(name, "Patient",
            $$$"""{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"ordered":{{{(ordered ? "true" : "false")}}},"rules":"{{{rules}}}"}}""",
            """{"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a"}""",
            """{"id":"Patient.identifier:a.system","path":"Patient.identifier.system","fixedUri":"http://a"}""",
            """{"id":"Patient.identifier:b","path":"Patient.identifier","sliceName":"b"}""",
            """{"id":"Patient.identifier:b.system","path":"Patient.identifier.system","fixedUri":"http://b"}""");
        var validator = With(Sliced("ordered", "open", true), Sliced("at-end", "openAtEnd", false));
        Assert.That(Errors(validator, Patient("ordered", ""","identifier":[{"system":"http://a"},{"system":"http://b"}]""")), Is.Empty);
        Assert.That(Errors(validator, Patient("ordered", ""","identifier":[{"system":"http://b"},{"system":"http://a"}]""")),
            Is.EqualTo(new[] { $"Patient.identifier[1]: As specified by profile {Base}ordered, Element 'identifier' is out of order (slice 'a' found after slice 'b')" }));
        Assert.That(Errors(validator, Patient("at-end", ""","identifier":[{"system":"http://b"},{"system":"http://a"},{"system":"http://x"}]""")), Is.Empty);
        Assert.That(Errors(validator, Patient("at-end", ""","identifier":[{"system":"http://x"},{"system":"http://a"}]""")),
            Has.One.StartsWith("Patient.identifier[1]: This element is in slice 'a', but the slicing of Patient.identifier"));
    }

    [Test]
    public void Reslicing_sorts_a_slice_nodes_again()
    {
        // identifier:a (system http://a) re-sliced by use: a/official 1..1.
        var profile = Profile("resliced", "Patient",
            """{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}}""",
            """{"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a","slicing":{"discriminator":[{"type":"value","path":"use"}],"rules":"open"}}""",
            """{"id":"Patient.identifier:a.system","path":"Patient.identifier.system","fixedUri":"http://a"}""",
            """{"id":"Patient.identifier:a/official","path":"Patient.identifier","sliceName":"a/official","min":1,"max":"1"}""",
            """{"id":"Patient.identifier:a/official.use","path":"Patient.identifier.use","fixedCode":"official"}""");
        var validator = With(profile);
        Assert.That(Errors(validator, Patient("resliced", ""","identifier":[{"system":"http://a","use":"official"},{"system":"http://a","use":"usual"},{"system":"http://x","use":"official"}]""")), Is.Empty);
        Assert.That(Errors(validator, Patient("resliced", ""","identifier":[{"system":"http://a","use":"usual"},{"system":"http://x","use":"official"}]""")),
            Has.One.StartsWith("Patient: Slice 'Patient.identifier:a/official': a matching slice is required, but not found"));
    }

    [Test]
    public void A_value_discriminator_the_slice_prohibits_means_absent()
    {
        // The email slice says nothing of use but prohibits it (as the HL7 validator's `use.empty()`).
        var profile = Profile("by-system-and-use", "Patient",
            """{"id":"Patient.telecom","path":"Patient.telecom","slicing":{"discriminator":[{"type":"value","path":"system"},{"type":"value","path":"use"}],"rules":"closed"}}""",
            """{"id":"Patient.telecom:home","path":"Patient.telecom","sliceName":"home","max":"1"}""",
            """{"id":"Patient.telecom:home.system","path":"Patient.telecom.system","fixedCode":"phone"}""",
            """{"id":"Patient.telecom:home.use","path":"Patient.telecom.use","fixedCode":"home"}""",
            """{"id":"Patient.telecom:email","path":"Patient.telecom","sliceName":"email","max":"1"}""",
            """{"id":"Patient.telecom:email.system","path":"Patient.telecom.system","fixedCode":"email"}""",
            """{"id":"Patient.telecom:email.use","path":"Patient.telecom.use","max":"0"}""");
        var validator = With(profile);
        Assert.That(Errors(validator, Patient("by-system-and-use", ""","telecom":[{"system":"phone","use":"home","value":"1"},{"system":"email","value":"a@b"}]""")), Is.Empty);
        Assert.That(Errors(validator, Patient("by-system-and-use", ""","telecom":[{"system":"email","use":"work","value":"a@b"}]""")),
            Has.One.StartsWith("Patient.telecom[0]: This element does not match any known slice"));
    }

    [Test]
    public void Profile_discriminator_on_a_data_type_whose_profile_fixes_the_value_itself()
    {
        string Text(string name, string value) =>
            $$$"""
            {"resourceType":"StructureDefinition","url":"{{{Base}}}{{{name}}}","name":"{{{name}}}","status":"active","kind":"primitive-type",
             "abstract":false,"type":"string","baseDefinition":"http://hl7.org/fhir/StructureDefinition/string","derivation":"constraint",
             "differential":{"element":[{"id":"string","path":"string","fixedString":"{{{value}}}"}]}}
            """;
        var profile = Profile("by-text-profile", "Observation",
            """{"id":"Observation.category","path":"Observation.category","slicing":{"discriminator":[{"type":"profile","path":"text"}],"rules":"closed"}}""",
            """{"id":"Observation.category:a","path":"Observation.category","sliceName":"a","max":"1"}""",
            $$$"""{"id":"Observation.category:a.text","path":"Observation.category.text","min":1,"type":[{"code":"string","profile":["{{{Base}}}text-a"]}]}""",
            """{"id":"Observation.category:b","path":"Observation.category","sliceName":"b","max":"1"}""",
            $$$"""{"id":"Observation.category:b.text","path":"Observation.category.text","min":1,"type":[{"code":"string","profile":["{{{Base}}}text-b"]}]}""");
        var validator = With(Text("text-a", "A"), Text("text-b", "B"), profile);
        string Obs(string texts) =>
            $$$"""{"resourceType":"Observation","meta":{"profile":["{{{Base}}}by-text-profile"]},"status":"final","code":{"text":"x"},"category":[{{{texts}}}]}""";
        Assert.That(Errors(validator, Obs("""{"text":"A"},{"text":"B"}""")), Is.Empty);
        Assert.That(Errors(validator, Obs("""{"text":"C"}""")), Has.One.StartsWith("Observation.category[0]: This element does not match any known slice"));
    }

    // ---- FR Core and Annuaire ----

    private const string Ins = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";
    private const string FrV2 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";

    private static string InsPatient(string identifiers) =>
        $$$"""{"resourceType":"Patient","meta":{"profile":["{{{Ins}}}"]},"identifier":[{{{identifiers}}}],"name":[{"family":"Durand","given":["Anne"]}],"gender":"female","birthDate":"1970-01-01"}""";

    [Test]
    public void Fr_core_patient_ins_identifier_slices()
    {
        const string nssNir = """{"use":"official","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"NH"}]},"system":"urn:oid:1.2.250.1.213.1.4.13","value":"1"}""";
        var errors = Errors(ProfilesTestData.NewValidator(), InsPatient(nssNir + "," + nssNir));
        Assert.That(errors, Has.One.Matches<string>(e => e.StartsWith("Patient: Patient.identifier:NSS-NIR: max allowed = 1, but found 2 (from https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins|")));

        // Typed INS-NIR, so in the INS-NIR slice, whose system is 1..1.
        var untyped = Errors(ProfilesTestData.NewValidator(), InsPatient($$$"""{"type":{"coding":[{"system":"{{{FrV2}}}","code":"INS-NIR"}]},"value":"1"}"""));
        Assert.That(untyped, Has.One.Matches<string>(e => e.StartsWith("Patient.identifier[0]: Patient.identifier.system: minimum required = 1, but only found 0 (from https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins|")));
    }

    [Test]
    public void Annuaire_practitioner_role_requires_its_situation_identifier()
    {
        const string profile = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitionerrole";
        string Role(string system) =>
            $$$"""{"resourceType":"PractitionerRole","meta":{"profile":["{{{profile}}}"]},"identifier":[{"system":"{{{system}}}","value":"1"}]}""";
        Assert.That(Errors(ProfilesTestData.NewValidator(), Role("https://annuaire.sante.fr")),
            Has.One.EqualTo($"PractitionerRole: Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required, but not found (from {profile}). Note that other slices are allowed in addition to this required slice"));
        Assert.That(Errors(ProfilesTestData.NewValidator(), Role("https://rpps.esante.gouv.fr")), Has.None.Contains("idSituationExercice"));
    }
}
