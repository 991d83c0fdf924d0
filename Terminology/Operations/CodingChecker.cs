using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// One coding checked for $validate-code (R4 §4.8.18, §4.9.18): its system, its code in that system and, for
/// ValueSet/$validate-code, its membership of the value set; the display and the concept's status once found.
/// Every problem becomes an issue with the place it lies (<c>Coding.code</c>, <c>CodeableConcept.coding[1].system</c>…).
/// </summary>
public sealed class CodingChecker(RequestSources sources, ValidateCodeRequest request, ElementNode? valueSet, ValueSetExpander? expander)
{
    /// <summary>What was found for one coding. <see cref="Member"/>: in the value set (or, without one, in the code system).</summary>
    public sealed class Outcome(CodingValue coding)
    {
        public CodingValue Coding { get; set; } = coding;
        public CodeSystemIndex? System { get; set; }
        public Concept? Concept { get; set; }
        public bool Member { get; set; }
        public string? UnknownSystem { get; set; }
        /// <summary>The unknown system is one the value set includes: whether the code is a member cannot be known.</summary>
        public bool MembershipUnknown { get; set; }
        /// <summary>The version the value set's include names does not exist (as opposed to the coding's own version).</summary>
        public bool ValueSetVersionUnknown { get; set; }
        public List<ValidationIssue> Issues { get; } = [];
        public bool HasErrors => Issues.Any(i => i.Severity == "error");
    }

    /// <summary>The value set as messages name it: <c>url|version</c>.</summary>
    public static string Name(ElementNode valueSet) => valueSet.Child("url")?.Value is { } url
        ? url + (valueSet.Child("version")?.Value is { } v ? "|" + v : "")
        : "(unidentified)";

    public Outcome Check(CodingValue coding, string path)
    {
        var outcome = CheckAll(coding, path);
        // valueset-membership-only: whether the code is in the value set, not what else is wrong with it.
        if (request.MembershipOnly) outcome.Issues.RemoveAll(i => i.Detail is not ("not-in-vs" or "this-code-not-in-vs"));
        return outcome;
    }

    private Outcome CheckAll(CodingValue coding, string path)
    {
        var outcome = new Outcome(coding);
        var code = coding.Code ?? "";
        var system = coding.System;
        if (system is null)
        {
            if (valueSet is not null && request.InferSystem && !request.IsCoding && !request.IsCodeableConcept)
                system = InferSystem(code, path, outcome);
            else
                outcome.Issues.Add(TxMessages.Issue("warning", "invalid", path.Length == 0 ? "code" : path, "invalid-data", TxMessages.NoSystem));
            if (system is null)
            {
                NotInValueSet(outcome, path);
                return outcome;
            }
            outcome.Coding = coding with { System = system };
        }
        if (!Uri.TryCreate(system, UriKind.Absolute, out _))
            outcome.Issues.Add(TxMessages.Issue("error", "invalid", CodeCheck.At(path, "system"), "invalid-data", TxMessages.RelativeSystem));
        var cs = outcome.System = valueSet is null ? sources.FindCodeSystem(system, coding.Version) : VersionInValueSet(outcome, path);
        if (outcome.UnknownSystem is not null)
        {
            // A version that does not exist already says why the code is not accepted: membership is not judged.
            if (!outcome.MembershipUnknown) NotInValueSet(outcome, path);
            else if (cs?.Find(code) is { } found)
            {
                outcome.Concept = found;
                CodeCheck.Concept(cs, found, coding, request, path, outcome.Issues);
            }
            return outcome;
        }
        if (cs is null)
        {
            UnknownSystem(system, coding.Version, path, outcome);
            outcome.MembershipUnknown = outcome.UnknownSystem is not null && valueSet is not null && Includes(valueSet, system, coding.Version);
            if (!outcome.MembershipUnknown)
            {
                if (valueSet is not null) UnknownSystemOutsideValueSet(outcome, system);
                NotInValueSet(outcome, path);
            }
            return outcome;
        }
        if (valueSet is not null && CanonicalStatus.Check(CanonicalStatus.Of(cs), CanonicalStatus.Of(valueSet)) is { } status) outcome.Issues.Add(status);
        var concept = outcome.Concept = cs.Find(code);
        if (concept is null)
        {
            outcome.Issues.Add(CodeCheck.UnknownCode(cs, code, path));
            // A code a fragment does not hold may still be a code of the system, and of a value set that includes it.
            outcome.Member = !cs.IsCompleteContent
                && (valueSet is null || Includes(valueSet, system, coding.Version) || expander!.Contains(valueSet, system, code, out _));
            if (!outcome.Member) NotInValueSet(outcome, path);
            return outcome;
        }
        outcome.Member = valueSet is null || expander!.Contains(valueSet, cs.Url, concept.Code, out _);
        if (outcome.Member && !request.AbstractAllowed && concept.Abstract)
        {
            outcome.Issues.Add(TxMessages.Issue("error", "business-rule", CodeCheck.At(path, "code"), "code-rule", TxMessages.AbstractCode, cs.Url, concept.Code));
            outcome.Member = false;
        }
        // activeOnly, or a value set whose compose leaves inactive codes out (R4 ValueSet.compose.inactive).
        if (outcome.Member && concept.Inactive && (request.ActiveOnly || valueSet?.Child("compose")?.Child("inactive")?.Value == "false"))
        {
            outcome.Issues.Add(TxMessages.Issue("error", "business-rule", CodeCheck.At(path, "code"), "code-rule", TxMessages.NotActive, concept.Code));
            outcome.Member = false;
        }
        if (!outcome.Member)
        {
            // Outside the value set, the concept is still checked as a code of its system (display, status).
            NotInValueSet(outcome, path);
            CodeCheck.Concept(cs, concept, coding, request, path, outcome.Issues);
            return outcome;
        }
        CodeCheck.Concept(cs, concept, coding, request, path, outcome.Issues);
        if (valueSet is not null && DeprecatedInValueSet(cs.Url, concept.Code))
            outcome.Issues.Add(TxMessages.Issue("warning", "business-rule", CodeCheck.At(path, "code"), "code-comment", TxMessages.DeprecatedInValueSet,
                concept.Code, cs.Url, Name(valueSet)));
        return outcome;
    }

    // A concept the value set lists as deprecated (the valueset-deprecated or standards-status extension on compose.include.concept).
    private bool DeprecatedInValueSet(string system, string code) =>
        valueSet!.Child("compose")?.ChildrenNamed("include").Where(i => i.Child("system")?.Value == system)
            .SelectMany(i => i.ChildrenNamed("concept")).Where(c => c.Child("code")?.Value == code)
            .Any(c => CanonicalStatus.Extension(c, "http://hl7.org/fhir/StructureDefinition/valueset-deprecated") == "true"
                || CanonicalStatus.Extension(c, CanonicalStatus.StandardsStatusUrl) == "deprecated") == true;

    // The version of the code system the value set's include and the version parameters decide (CodingVersion); a
    // version that does not exist, the coding's or the value set's, leaves membership unknown.
    private CodeSystemIndex? VersionInValueSet(Outcome outcome, string path)
    {
        var version = CodingVersion.Resolve(sources, expander!, valueSet!, outcome.Coding, request.Versions, path);
        outcome.Issues.AddRange(version.Issues);
        if (version.CausedByUnknownSystem is { } unknown)
        {
            outcome.UnknownSystem = UnknownCanonical(outcome.Coding.System!, unknown);
            // Only a system the value set draws on leaves membership unknown; the code of another is simply not in it.
            outcome.MembershipUnknown = Includes(valueSet!, outcome.Coding.System!, null);
            outcome.ValueSetVersionUnknown = version.ValueSetVersionNotFound;
        }
        return version.CodeSystem;
    }

    private void UnknownSystem(string system, string? version, string path, Outcome outcome)
    {
        var at = CodeCheck.At(path, "system");
        if (sources.FindSupplement(version is null ? system : system + "|" + version) is { } supplement)
        {
            // A supplement only adds to a code system: its url is not a system codes come from (R4 CodeSystem.supplements).
            outcome.Issues.Add(TxMessages.Issue("error", "invalid", at, "invalid-data", TxMessages.SupplementAsSystem,
                system + "|" + supplement.Child("version")?.Value, CodeCheck.At(path.Length == 0 ? "Coding" : path, "system")));
            return;
        }
        if (version is null && sources.FindValueSet(system) is not null)
        {
            outcome.Issues.Add(TxMessages.Issue("error", "invalid", at, "invalid-data", TxMessages.SystemIsValueSet, system));
            return;
        }
        outcome.UnknownSystem = UnknownCanonical(system, version is null ? system : system + "|" + version);
        outcome.Issues.Add(version is null
            ? TxMessages.Issue("error", "not-found", at, "not-found", TxMessages.UnknownCodeSystem, system)
            : CodingVersion.UnknownVersion(sources, system, version, path));
    }

    // An absolute system the value set does not draw on: the code is outside the value set whatever the system holds,
    // and the reference servers name the system unquoted in that message (a relative one keeps its quotes).
    private static void UnknownSystemOutsideValueSet(Outcome outcome, string system)
    {
        var index = outcome.Issues.FindIndex(i => i.MessageId == TxMessages.UnknownCodeSystem);
        if (index >= 0 && Uri.TryCreate(system, UriKind.Absolute, out _))
            outcome.Issues[index] = outcome.Issues[index] with { Text = TxMessages.Format(TxMessages.UnknownCodeSystemOutsideValueSet, system) };
    }

    // The unknown code system as x-unknown-system names it: url|version when other versions are known, the url alone
    // when the system is not known at all.
    private string UnknownCanonical(string system, string canonical) => sources.FindCodeSystem(system, null) is null ? system : canonical;

    private static bool Includes(ElementNode valueSet, string system, string? version) =>
        valueSet.Child("compose")?.ChildrenNamed("include").Select(ComposeInclude.Read)
            .Any(i => i.System == system && (version is null || i.Version is null || i.Version == version)) == true;

    // Within a CodeableConcept one coding outside the value set is information: another coding may be in it.
    private void NotInValueSet(Outcome outcome, string path)
    {
        if (valueSet is null) return;
        var c = outcome.Coding;
        var text = (c.System ?? "") + (c.Version is { } v ? "|" + v : "") + "#" + c.Code + (c.Display is { } d ? $" ('{d}')" : "");
        // Reported before what made the code fail, as terminology servers order them.
        outcome.Issues.Insert(0, request.IsCodeableConcept
            ? TxMessages.Issue("information", "code-invalid", CodeCheck.At(path, "code"), "this-code-not-in-vs", TxMessages.NotInValueSet, text, Name(valueSet))
            : TxMessages.Issue("error", "code-invalid", CodeCheck.At(path, "code"), "not-in-vs", TxMessages.NotInValueSet, text, Name(valueSet)));
    }

    /// <summary>
    /// inferSystem (R4 ValueSet/$validate-code): the system of the value set's includes that holds the code; none, or
    /// more than one, cannot be inferred.
    /// </summary>
    private string? InferSystem(string code, string path, Outcome outcome)
    {
        var systems = new List<string>();
        foreach (var include in valueSet!.Child("compose")?.ChildrenNamed("include").Select(ComposeInclude.Read) ?? [])
        {
            if (include.System is { } s)
            {
                if (!systems.Contains(s) && expander!.Contains(valueSet, s, code, out _)) systems.Add(s);
            }
            else
            {
                foreach (var m in expander!.Expand(valueSet).Where(m => m.Code == code && !systems.Contains(m.SystemUrl)))
                    systems.Add(m.SystemUrl);
            }
        }
        if (systems.Count == 1) return systems[0];
        var at = CodeCheck.At(path, "code");
        outcome.Issues.Add(systems.Count == 0
            ? TxMessages.Issue("error", "not-found", at, "cannot-infer", TxMessages.CannotInferSystem, code, Name(valueSet))
            : TxMessages.Issue("error", "not-found", at, "cannot-infer", TxMessages.CannotInferSystemMultiple, code, Name(valueSet), string.Join(", ", systems)));
        return null;
    }
}
