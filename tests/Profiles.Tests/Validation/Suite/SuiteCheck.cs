namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// One validation the suite asks for: a case's base validation, or its second validation against the profile of its
/// <c>profile</c> block (named "case (profile)"). <see cref="Files"/> are the files loaded before it, in the
/// Java runner's order: the case's supporting files, then for the profile step its own supporting files and the profile.
/// </summary>
public sealed record SuiteCheck(string Name, SuiteCase Case, bool IsProfileStep, JavaOutcome? Expected, bool HasFirelyOutcome)
{
    private const string FirelyOutcome = "firely-sdk-current";

    public IReadOnlyList<string> Files => IsProfileStep ? [.. Case.LoadedFiles] : Case.Supporting;

    public string? ProfileFile => IsProfileStep ? Case.Profile!.Source : null;

    public override string ToString() => Name;

    /// <summary>The checks of a case: its base validation, then its profile step if it has one.</summary>
    public static IEnumerable<SuiteCheck> Of(SuiteCase c, string name, string suiteFolder)
    {
        yield return new SuiteCheck(name, c, false, JavaOutcome.Read(c.Java, suiteFolder), c.Json.ContainsKey(FirelyOutcome));
        if (c.Profile is { } p)
            yield return new SuiteCheck(name + " (profile)", c, true, JavaOutcome.Read(p.Java, suiteFolder),
                c.Json["profile"]!.AsObject().ContainsKey(FirelyOutcome));
    }
}
