using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The output of $validate-code built from the codings checked: <c>result</c>, the coding found, and the issues in
/// the order terminology servers report them (the status of the resources used, then errors first and by issue type) with the <c>message</c> that joins
/// the texts of the errors and warnings.
/// </summary>
public static class ValidationAnswer
{
    private static readonly string[] SeverityOrder = ["fatal", "error", "warning", "information"];

    /// <summary>A validation that could not look at the codes (a value set it needs is missing): result false and the issue.</summary>
    public static ValidateCodeResult Failure(ValidationIssue issue) => new(false, issue.Text, null, null, false, [issue]);

    /// <summary>One coding (the code parameters, or a Coding).</summary>
    public static ValidateCodeResult ForCoding(CodingChecker.Outcome o, string? displayLanguage)
    {
        var issues = Sorted(o.Issues);
        return Result(o, o.Member && !o.HasErrors, issues, displayLanguage);
    }

    /// <summary>
    /// A CodeableConcept: valid when one of its codings is (the first that is, R4 ValueSet/$validate-code); when none
    /// is in the value set, that is the first error.
    /// </summary>
    public static ValidateCodeResult ForConcept(IReadOnlyList<CodingChecker.Outcome> outcomes, string? valueSetName, string? displayLanguage)
    {
        // A coding whose own version does not exist is still reported as the code validated, in the version the value
        // set uses; one whose value set version does not exist is not.
        var found = outcomes.FirstOrDefault(o => o.Member && !o.HasErrors) ?? outcomes.FirstOrDefault(o => o.Member)
            ?? outcomes.FirstOrDefault(o => o.MembershipUnknown && o.Concept is not null && !o.ValueSetVersionUnknown);
        var all = new List<ValidationIssue>();
        // A code system version that does not exist leaves membership unknown: that, not the value set, is the error.
        if (found is null && valueSetName is not null && !outcomes.Any(o => o.MembershipUnknown))
            all.Add(TxMessages.Issue("error", "code-invalid", null, "not-in-vs", TxMessages.NoValidCoding, valueSetName));
        all.AddRange(outcomes.SelectMany(o => o.Issues));
        var issues = Sorted(all);
        var ok = found is not null && !issues.Any(i => i.Severity == "error");
        return found is null
            ? new ValidateCodeResult(false, Message(issues), null, null, false, issues)
                { UnknownSystems = UnknownSystems(outcomes, false), CausedByUnknownSystems = UnknownSystems(outcomes, true) }
            : Result(found, ok, issues, displayLanguage) with
                { UnknownSystems = UnknownSystems(outcomes, false), CausedByUnknownSystems = UnknownSystems(outcomes, true) };
    }

    /// <summary>The codings checked in order up to the first valid one: the codings after it are not looked at.</summary>
    public static List<CodingChecker.Outcome> UpToFirstValid(IEnumerable<CodingChecker.Outcome> outcomes)
    {
        var list = new List<CodingChecker.Outcome>();
        foreach (var o in outcomes)
        {
            list.Add(o);
            if (o.Member && !o.HasErrors) break;
        }
        return list;
    }

    private static ValidateCodeResult Result(CodingChecker.Outcome o, bool ok, IReadOnlyList<ValidationIssue> issues, string? displayLanguage)
    {
        var cs = o.System;
        var concept = o.Concept;
        return new ValidateCodeResult(ok, Message(issues), o.Coding with { Version = cs?.Version ?? o.Coding.Version },
            concept is null || cs is null ? null : Displays.For(concept, displayLanguage, cs.Language), concept?.Inactive == true, issues)
        {
            NormalizedCode = concept is not null && concept.Code != o.Coding.Code ? concept.Code : null,
            // Reported for a concept that is inactive or deprecated (retired, deprecated…): the reason it calls for attention.
            Status = concept is { Inactive: true } or { Deprecated: true } ? concept.Status : null,
            UnknownSystems = UnknownSystems([o], false),
            CausedByUnknownSystems = UnknownSystems([o], true),
        };
    }

    private static List<string> UnknownSystems(IEnumerable<CodingChecker.Outcome> outcomes, bool causingUnknownMembership) =>
        [.. outcomes.Where(o => o.MembershipUnknown == causingUnknownMembership).Select(o => o.UnknownSystem).OfType<string>().Distinct()];

    private static List<ValidationIssue> Sorted(IEnumerable<ValidationIssue> issues) =>
        [.. issues.Distinct().OrderBy(i => i.Detail == "status-check" ? 0 : 1).ThenBy(i => Array.IndexOf(SeverityOrder, i.Severity)).ThenBy(i => i.Code, StringComparer.Ordinal)];

    // The message parameter: the texts of the errors and of the warnings worth repeating, each once, in text order,
    // joined by "; ".
    private static string? Message(IEnumerable<ValidationIssue> issues)
    {
        var texts = issues.Where(TxMessages.InMessage).Select(i => i.Text).Distinct().Order(StringComparer.Ordinal).ToList();
        return texts.Count == 0 ? null : string.Join("; ", texts);
    }
}
