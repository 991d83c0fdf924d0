using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;
using static FhirServer.Terminology.Tests.Support.AnimalValidation;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>The issues and outputs of $validate-code: message ids, their order, severities and places.</summary>
public class ValidateCodeIssueTests
{
    private static IEnumerable<(string Severity, string? Id, string? Expression)> Shape(ValidateCodeResult result) =>
        result.Issues.Select(i => (i.Severity, i.MessageId, i.Expression));

    [Test]
    public void Not_in_the_value_set_comes_before_its_cause_and_the_message_joins_both_in_text_order()
    {
        var result = InValueSet(Coding(AnimalsSystem, "unicorn"), Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(Shape(result), Is.EqualTo(new[]
        {
            ("error", (string?)TxMessages.NotInValueSet, (string?)"Coding.code"),
            ("error", TxMessages.UnknownCodeInVersion, "Coding.code"),
        }));
        Assert.That(result.Message, Is.EqualTo(
            "The provided code 'http://example.org/cs/animals#unicorn' was not found in the value set 'http://example.org/vs/test'; " +
            "Unknown code 'unicorn' in the CodeSystem 'http://example.org/cs/animals' version '1.0'"));
    }

    [Test]
    public void A_codeable_concept_without_a_valid_coding_says_so_first_and_each_coding_is_information()
    {
        var result = InValueSet(new ValidateCodeRequest([new CodingValue(AnimalsSystem, "bird", "Bird")]) { IsCodeableConcept = true }, Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Coding, Is.Null);
        Assert.That(Shape(result), Is.EqualTo(new[]
        {
            ("error", (string?)TxMessages.NoValidCoding, (string?)null),
            ("information", TxMessages.NotInValueSet, "CodeableConcept.coding[0].code"),
        }));
        Assert.That(result.Issues[1].Detail, Is.EqualTo("this-code-not-in-vs"));
        Assert.That(result.Issues[1].Text, Does.Contain("animals#bird ('Bird')"));
        Assert.That(result.Message, Is.EqualTo("No valid coding was found for the value set 'http://example.org/vs/test'"));
    }

    [Test]
    public void The_codings_after_the_first_valid_one_are_not_checked()
    {
        var result = InValueSet(new ValidateCodeRequest([new CodingValue(AnimalsSystem, "dog"), new CodingValue(AnimalsSystem, "cat", "Wrong")]) { IsCodeableConcept = true }, Mammals);
        Assert.That(result.Result, Is.True);
        Assert.That(result.Issues, Is.Empty);
        Assert.That(result.Coding!.Code, Is.EqualTo("dog"));
    }

    [Test]
    public void Infer_system_takes_the_one_system_that_holds_the_code()
    {
        var found = InValueSet(new ValidateCodeRequest([new CodingValue(null, "dog")]) { InferSystem = true }, Mammals);
        Assert.That((found.Result, found.Coding!.System), Is.EqualTo((true, AnimalsSystem)));

        var missing = InValueSet(new ValidateCodeRequest([new CodingValue(null, "unicorn")]) { InferSystem = true }, Mammals);
        Assert.That(missing.Result, Is.False);
        Assert.That(missing.Issues.Select(i => i.Detail), Is.EquivalentTo(new[] { "not-in-vs", "cannot-infer" }));
    }

    [Test]
    public void A_coding_without_a_system_is_a_warning_and_not_in_the_value_set()
    {
        var result = InValueSet(Coding(null, "dog"), Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(Shape(result), Is.EqualTo(new[]
        {
            ("error", (string?)TxMessages.NotInValueSet, (string?)"Coding.code"),
            ("warning", TxMessages.NoSystem, "Coding"),
        }));
    }

    [Test]
    public void An_abstract_concept_is_refused_when_the_client_says_abstract_false()
    {
        const string all = """{"include":[{"system":"http://example.org/cs/animals"}]}""";
        Assert.That(InValueSet(Coding(AnimalsSystem, "extinct"), all).Result, Is.True);
        var result = InValueSet(Coding(AnimalsSystem, "extinct") with { AbstractAllowed = false }, all);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Select(i => i.MessageId), Is.EqualTo(new[] { TxMessages.AbstractCode, TxMessages.NotInValueSet }));
    }

    [Test]
    public void Active_only_refuses_an_inactive_concept_and_still_warns_of_its_status()
    {
        const string all = """{"include":[{"system":"http://example.org/cs/animals"}]}""";
        var result = InValueSet(Coding(AnimalsSystem, "fish") with { ActiveOnly = true }, all);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Inactive, Is.True);
        Assert.That(Shape(result), Is.EqualTo(new[]
        {
            ("error", (string?)TxMessages.NotActive, (string?)"Coding.code"),
            ("error", TxMessages.NotInValueSet, "Coding.code"),
            ("warning", TxMessages.InactiveConcept, "Coding"),
        }));
    }

    [Test]
    public void Lenient_display_validation_makes_a_wrong_display_a_warning()
    {
        var strict = InValueSet(Coding(AnimalsSystem, "dog", "Wolf"), Mammals);
        var lenient = InValueSet(Coding(AnimalsSystem, "dog", "Wolf") with { LenientDisplay = true }, Mammals);
        Assert.That((strict.Result, strict.Issues.Single().Severity), Is.EqualTo((false, "error")));
        Assert.That((lenient.Result, lenient.Issues.Single().Severity), Is.EqualTo((true, "warning")));
        Assert.That(lenient.Message, Is.EqualTo(lenient.Issues.Single().Text));
    }

    [Test]
    public void A_designation_in_another_language_than_the_one_asked_for_is_a_wrong_display()
    {
        Assert.That(InValueSet(Coding(AnimalsSystem, "dog", "Chien"), Mammals).Result, Is.True);
        Assert.That(InValueSet(Coding(AnimalsSystem, "dog", "Chien") with { DisplayLanguage = "fr" }, Mammals).Result, Is.True);
        var german = InValueSet(Coding(AnimalsSystem, "dog", "Chien") with { DisplayLanguage = "de" }, Mammals);
        Assert.That(german.Result, Is.False);
        Assert.That(german.Issues.Single().Text, Is.EqualTo(
            "Wrong Display Name 'Chien' for http://example.org/cs/animals#dog. Valid display is 'Dog' (for the language(s) 'de')"));
    }

    [Test]
    public void A_code_in_another_case_is_normalized()
    {
        var result = InValueSet(Coding(AnimalsSystem, "DOG"), Mammals);
        Assert.That((result.Result, result.Coding!.Code, result.NormalizedCode), Is.EqualTo((true, "DOG", "dog")));
        Assert.That(result.Issues.Single().MessageId, Is.EqualTo(TxMessages.CaseDifference));
    }

    [Test]
    public void An_unknown_system_is_reported_and_a_value_set_url_as_system_is_named_as_such()
    {
        var unknown = InValueSet(Coding("http://example.org/cs/nowhere", "dog"), Mammals);
        Assert.That(unknown.UnknownSystems, Is.EqualTo(new[] { "http://example.org/cs/nowhere" }));
        Assert.That(unknown.Issues.Select(i => i.MessageId), Is.EqualTo(new[] { TxMessages.NotInValueSet, TxMessages.UnknownCodeSystem }));

        var valueSet = InValueSet(Coding("http://example.org/vs/other", "dog") with { TxResources = [ValueSet(Mammals, "http://example.org/vs/other")] }, Mammals);
        Assert.That(valueSet.UnknownSystems, Is.Empty);
        Assert.That(valueSet.Issues.Select(i => i.MessageId), Is.EqualTo(new[] { TxMessages.NotInValueSet, TxMessages.SystemIsValueSet }));
    }

    [Test]
    public void A_value_set_that_imports_an_unknown_one_fails_the_validation_with_its_name()
    {
        var result = InValueSet(Coding(AnimalsSystem, "dog"), """{"include":[{"valueSet":["http://example.org/vs/missing"]}]}""");
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Single().MessageId, Is.EqualTo(TxMessages.UnknownValueSet));
        Assert.That(result.Message, Is.EqualTo("A definition for the value Set 'http://example.org/vs/missing' could not be found"));
    }

    [Test]
    public void A_draft_code_system_used_by_an_active_value_set_is_reported_as_information()
    {
        var draft = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/draft","version":"0.1","status":"draft","content":"complete",
             "concept":[{"code":"a","display":"A"}]}
            """);
        var result = InValueSet(Coding("http://example.org/cs/draft", "a") with { TxResources = [draft] },
            """{"include":[{"system":"http://example.org/cs/draft"}]}""");
        Assert.That(result.Result, Is.True);
        Assert.That(result.Issues.Single().Text, Is.EqualTo("Reference to draft CodeSystem http://example.org/cs/draft|0.1"));
        Assert.That(result.Message, Is.Null);
    }

    [Test]
    public void A_regex_filter_that_would_backtrack_without_end_is_matched_in_linear_time()
    {
        var code = new string('a', 40) + "!";
        var cs = Parse($$"""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/regex","status":"active","content":"complete","concept":[{"code":"{{code}}"}]}
            """);
        var result = Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue("http://example.org/cs/regex", code)])
        {
            ValueSet = ValueSet("""{"include":[{"system":"http://example.org/cs/regex","filter":[{"property":"code","op":"regex","value":"((a+)+)+"}]}]}"""),
            TxResources = [cs],
        });
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Single().Detail, Is.EqualTo("not-in-vs"));
    }

    [Test]
    public void A_filter_without_a_value_is_an_invalid_value_set()
    {
        var e = Assert.Throws<TerminologyException>(() =>
            InValueSet(Coding(AnimalsSystem, "dog"), """{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a"}]}]}"""));
        Assert.That(e!.IssueCode, Is.EqualTo("invalid"));
        Assert.That(e.Message, Is.EqualTo("The system http://example.org/cs/animals filter with property = concept, op = is-a has no value"));
        Assert.That((e.Detail, e.Expression), Is.EqualTo(("vs-invalid", "ValueSet.compose.include[0].filter[0]")));
    }

    [Test]
    public void Membership_only_reports_whether_the_code_is_in_the_value_set_and_nothing_else()
    {
        var result = InValueSet(Coding(AnimalsSystem, "unicorn") with { MembershipOnly = true }, Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Select(i => i.MessageId), Is.EqualTo(new[] { TxMessages.NotInValueSet }));
    }

    [Test]
    public void An_unknown_system_version_the_value_set_does_not_include_is_simply_not_in_it()
    {
        var request = new ValidateCodeRequest([new CodingValue("http://example.org/cs/nowhere", "a", null, "1.0.9")]) { IsCodeableConcept = true };
        var result = InValueSet(request, Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Select(i => i.MessageId), Is.EqualTo(new[]
            { TxMessages.NoValidCoding, TxMessages.UnknownCodeSystemVersionNone, TxMessages.NotInValueSet }));
        // A system not known in any version is named by its url alone.
        Assert.That(result.UnknownSystems, Is.EqualTo(new[] { "http://example.org/cs/nowhere" }));
        Assert.That(result.CausedByUnknownSystems, Is.Empty);
    }

    [Test]
    public void A_concept_marked_deprecated_by_its_standards_status_is_valid_with_a_warning_and_its_status()
    {
        var cs = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/statuses","status":"active","content":"complete",
             "concept":[{"code":"old","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status","valueCode":"deprecated"}]},
                        {"code":"local","property":[{"code":"status","valueCode":"A"}]}]}
            """);
        var old = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue("http://example.org/cs/statuses", "old")]) { TxResources = [cs] });
        Assert.That((old.Result, old.Status), Is.EqualTo((true, (string?)"deprecated")));
        Assert.That(old.Issues.Select(i => i.MessageId), Is.EqualTo(new[] { TxMessages.DeprecatedConcept }));
        // A status of the code system's own that says nothing of inactivity or deprecation is not reported.
        var local = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue("http://example.org/cs/statuses", "local")]) { TxResources = [cs] });
        Assert.That((local.Result, local.Status), Is.EqualTo((true, (string?)null)));
    }

    [Test]
    public void An_unknown_system_the_value_set_includes_leaves_membership_undecided()
    {
        var result = InValueSet(Coding("http://example.org/cs/nowhere", "a"), """{"include":[{"system":"http://example.org/cs/nowhere"}]}""");
        Assert.That(result.Result, Is.False);
        Assert.That(result.CausedByUnknownSystems, Is.EqualTo(new[] { "http://example.org/cs/nowhere" }));
        Assert.That(result.UnknownSystems, Is.Empty);
        Assert.That(result.Issues.Single().MessageId, Is.EqualTo(TxMessages.UnknownCodeSystem));
    }

    [Test]
    public void A_code_missing_from_a_fragment_the_value_set_includes_is_valid_with_a_warning_the_message_leaves_out()
    {
        var result = Service().ValidateCodeInValueSet(Coding(AnimalsSystem, "unicorn") with
        {
            ValueSet = ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}]}"""), TxResources = [Animals(content: "fragment")],
        });
        Assert.That(result.Result, Is.True);
        Assert.That(result.Issues.Single().MessageId, Is.EqualTo(TxMessages.UnknownCodeInFragment));
        Assert.That(result.Message, Is.Null);
    }

    [Test]
    public void Without_a_display_language_the_value_set_language_decides_which_displays_are_valid()
    {
        var german = Parse("""
            {"resourceType":"ValueSet","url":"http://example.org/vs/de","language":"de","status":"active",
             "compose":{"include":[{"system":"http://example.org/cs/animals"}]}}
            """);
        var result = Service().ValidateCodeInValueSet(Coding(AnimalsSystem, "dog", "Chien") with { ValueSet = german, TxResources = [Animals()] });
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Single().Text, Does.EndWith("(for the language(s) 'de')"));
        var french = Service().ValidateCodeInValueSet(Coding(AnimalsSystem, "dog", "Chien") with { ValueSet = german, DisplayLanguage = "fr", TxResources = [Animals()] });
        Assert.That(french.Result, Is.True);
    }

    [Test]
    public void A_display_language_that_is_not_a_language_tag_is_refused()
    {
        var e = Assert.Throws<TerminologyException>(() => InValueSet(Coding(AnimalsSystem, "dog", "Dog") with { DisplayLanguage = "-" }, Mammals));
        Assert.That((e!.IssueCode, e.Detail, e.Message), Is.EqualTo(("processing", "invalid-display", "Invalid displayLanguage: '-'")));
        Assert.That(InValueSet(Coding(AnimalsSystem, "dog", "Dog") with { DisplayLanguage = "en-AU, fr;q=0.5, *" }, Mammals).Result, Is.True);
    }

    [Test]
    public void A_value_set_importing_one_that_imports_it_back_is_refused()
    {
        var other = ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}],"exclude":[{"valueSet":["http://example.org/vs/test"]}]}""",
            "http://example.org/vs/other");
        var e = Assert.Throws<TerminologyException>(() =>
            InValueSet(Coding(AnimalsSystem, "dog") with { TxResources = [other] }, """{"include":[{"valueSet":["http://example.org/vs/other"]}]}"""));
        Assert.That((e!.IssueCode, e.MessageId), Is.EqualTo(("processing", TxMessages.CircularReference)));
        Assert.That(e.Message, Is.EqualTo(
            "Found a circularity pointing to http://example.org/vs/test processing ValueSet with pathway [http://example.org/vs/test, http://example.org/vs/other]"));
    }
}
