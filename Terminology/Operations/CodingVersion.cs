using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// Which version of a coding's code system ValueSet/$validate-code uses, and the version problems found on the way
/// (the HL7 terminology servers' rules, recorded by the tx-ecosystem suite): the version the value set's include
/// gives after the version parameters (<see cref="IncludeVersion"/>) decides, unless the coding's own version is one
/// the include allows (no version, or a wildcard it matches). A coding version that differs from the include's is an
/// error (a warning when the include names no version and the coding's version does not exist); a version that does
/// not exist is not-found; a version check-system-version refuses is a version-error. <see cref="CodeSystem"/> is
/// the version used; <see cref="CausedByUnknownSystem"/> the <c>url|version</c> that does not exist, if any, and
/// <see cref="ValueSetVersionNotFound"/> whether it is the value set's.
/// </summary>
public sealed record CodingVersion(CodeSystemIndex? CodeSystem, IReadOnlyList<ValidationIssue> Issues, string? CausedByUnknownSystem,
    bool ValueSetVersionNotFound)
{
    public static CodingVersion Resolve(RequestSources sources, ValueSetExpander expander, ElementNode valueSet, CodingValue coding,
        VersionParameters versions, string path)
    {
        var system = coding.System!;
        var (include, fromValueSet) = Include(expander, valueSet, coding);
        var version = include ?? IncludeVersion.For(system, null, versions);
        fromValueSet ??= include is null ? sources.FindCodeSystem(system, version.Version) : null;
        var fromCoding = coding.Version is { } wanted ? sources.FindCodeSystem(system, wanted) : null;

        var issues = new List<ValidationIssue>();
        string? unknown = null;
        var valueSetVersionNotFound = false;
        if (coding.Version is { } v && fromCoding is null)
        {
            issues.Add(UnknownVersion(sources, system, v, path));
            unknown = system + "|" + v;
        }
        if (version.Version is { } asked && fromValueSet is null)
        {
            issues.Add(UnknownVersion(sources, system, asked, path));
            unknown ??= system + "|" + asked;
            valueSetVersionNotFound = true;
        }
        if (coding.Version is { } given)
        {
            if (version.Version is { } required && !VersionPattern.Matches(given, required))
            {
                issues.Add(version.Parameter is null
                    ? TxMessages.Issue("error", "invalid", CodeCheck.At(path, "version"), "vs-invalid", TxMessages.VersionMismatch, system, required, given)
                    : TxMessages.Issue("error", "invalid", CodeCheck.At(path, "version"), "vs-invalid", TxMessages.VersionMismatchChanged, system, required, version.Declared, given));
            }
            else if (version.Version is null && fromCoding is null && fromValueSet is not null && fromValueSet.Version != given)
                issues.Add(TxMessages.Issue("warning", "invalid", CodeCheck.At(path, "version"), "vs-invalid", TxMessages.VersionMismatchDefault,
                    system, fromValueSet.Version, given));
        }

        var used = fromCoding is not null && (version.Version is null || VersionPattern.Matches(fromCoding.Version, version.Version))
            ? fromCoding
            : fromValueSet ?? fromCoding ?? sources.FindCodeSystem(system, versions.Default(system) ?? versions.Check(system));
        if (used is not null && versions.Check(system) is { } check && !VersionPattern.Matches(used.Version, check))
            issues.Add(TxMessages.Issue("error", "exception", CodeCheck.At(path, "version"), "version-error", TxMessages.VersionCheck, system, used.Version, check));
        return new(used, issues, unknown, valueSetVersionNotFound);
    }

    /// <summary>A code system version that does not exist, naming the versions that do.</summary>
    public static ValidationIssue UnknownVersion(RequestSources sources, string system, string version, string path)
    {
        var known = sources.KnownVersions(system);
        return known.Count == 0
            ? TxMessages.Issue("error", "not-found", CodeCheck.At(path, "system"), "not-found", TxMessages.UnknownCodeSystemVersionNone, system, version)
            : TxMessages.Issue("error", "not-found", CodeCheck.At(path, "system"), "not-found", TxMessages.UnknownCodeSystemVersion, system, version, string.Join(" or ", known));
    }

    private sealed record Candidate(ComposeInclude Include, IncludeVersion Version, CodeSystemIndex? CodeSystem)
    {
        public Concept? Member(string code) =>
            CodeSystem?.Find(code) is { } concept && Include.SystemPredicate(CodeSystem)(concept) ? concept : null;
    }

    // The value set's include of the system the coding belongs to, when it names the system more than once: the one
    // of the coding's version, else one that holds the code (with the coding's display, if it has one), else the
    // highest version.
    private static (IncludeVersion? Version, CodeSystemIndex? CodeSystem) Include(ValueSetExpander expander, ElementNode valueSet, CodingValue coding)
    {
        var includes = new List<Candidate>();
        foreach (var include in valueSet.Child("compose")?.ChildrenNamed("include").Select(ComposeInclude.Read).Where(i => i.System == coding.System) ?? [])
        {
            var cs = expander.Resolve(include, out var version);
            includes.Add(new(include, version, cs));
        }
        var chosen = includes.Count <= 1 ? includes.FirstOrDefault()
            : coding.Version is { } wanted && includes.FirstOrDefault(i => i.Version.Version is null || VersionPattern.Matches(wanted, i.Version.Version)) is { } same ? same
            : includes.Where(i => i.Member(coding.Code!) is { } c && coding.Display is { } d && Displays.All(c).Contains(d, StringComparer.OrdinalIgnoreCase)).FirstOrDefault()
              ?? Highest(includes.Where(i => i.Member(coding.Code!) is not null)) ?? Highest(includes);
        return (chosen?.Version, chosen?.CodeSystem);
    }

    private static Candidate? Highest(IEnumerable<Candidate> candidates) =>
        candidates.OrderByDescending(i => i.CodeSystem?.Version ?? "", Conformance.Packages.SemanticVersionComparer.Instance).FirstOrDefault();
}
