using System.Text.RegularExpressions;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// Our errors for one check beside the Java validator's. Compared on the offline count (the errors that did not come
/// from the terminology server, <see cref="JavaOutcome.OfflineCount"/>); the count over every Java error is kept too.
/// </summary>
public sealed partial record SuiteResult(SuiteCheck Check, IReadOnlyList<OutcomeIssue> Errors, IReadOnlyList<string> LoadProblems)
{
    public JavaOutcome Expected => Check.Expected!;

    /// <summary>What the validator threw, if it did (never acceptable: a client's resource must get an outcome).</summary>
    public Exception? Thrown { get; init; }

    public bool ExactCount => Errors.Count == Expected.OfflineCount;

    public bool RightVerdict => Errors.Count == 0 == (Expected.OfflineCount == 0);

    public bool ExactTotalCount => Errors.Count == Expected.TotalCount;

    public bool RightTotalVerdict => Errors.Count == 0 == (Expected.TotalCount == 0);

    /// <summary>The known-mismatch line's text after the name: "ours vs expected", tab, the first difference.</summary>
    public string Mismatch => $"{Errors.Count} vs {Expected.OfflineCount}\t{FirstDifference()}";

    /// <summary>
    /// The first expected error we do not give, else the first error we give that is not expected, paired by location
    /// (Java writes <c>/*Patient/123*/</c> comments into Bundle entry paths: left out).
    /// </summary>
    public string FirstDifference()
    {
        var problems = LoadProblems.Count > 0 ? $" [{LoadProblems[0]}]" : "";
        if (Expected.Errors is null)
            return Shorten($"only a count is recorded; ours: {(Errors.Count > 0 ? Describe(Errors[0].Expression, Errors[0].Message) : "none")}") + problems;
        var ours = Errors.ToList();
        foreach (var expected in Expected.Errors.Where(e => !e.FromTerminologyServer))
        {
            var at = Location(expected.Expression);
            var match = ours.FindIndex(o => Location(o.Expression) == at);
            if (match < 0) return Shorten("missing: " + Describe(at, expected.Message)) + problems;
            ours.RemoveAt(match);
        }
        return (ours.Count > 0 ? Shorten("unexpected: " + Describe(ours[0].Expression, ours[0].Message)) : "the same locations") + problems;
    }

    private static string Describe(string? where, string message) => $"{where ?? "(no location)"}: {message}";

    private static string Location(string? expression) => expression is null ? "" : Comment().Replace(expression, "");

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Replace('\t', ' ');
        return text.Length > 220 ? text[..220] + "…" : text;
    }

    [GeneratedRegex(@"/\*.*?\*/")]
    private static partial Regex Comment();
}
