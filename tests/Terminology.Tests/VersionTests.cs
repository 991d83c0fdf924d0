using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>Versions of code systems and value sets: patterns, the version parameters and their precedence.</summary>
public class VersionTests
{
    private const string System = "http://example.org/cs/versioned";

    private static ElementNode Versioned(string version) => Parse($$"""
        {"resourceType":"CodeSystem","url":"{{System}}","version":"{{version}}","status":"active","content":"complete",
         "concept":[{"code":"one","display":"One ({{version}})"}{{(version.StartsWith('2') ? ",{\"code\":\"two\",\"display\":\"Two\"}" : "")}}]}
        """);

    private static ElementNode[] AllVersions => [Versioned("1.0.0"), Versioned("1.2.0"), Versioned("2.0.0")];

    private static string Include(string? version) =>
        version is null ? $$"""{"include":[{"system":"{{System}}"}]}""" : $$"""{"include":[{"system":"{{System}}","version":"{{version}}"}]}""";

    private static ExpansionResult Expand(string? pinned, VersionParameters? versions = null) =>
        Service().Expand(new ExpandRequest { ValueSet = ValueSet(Include(pinned)), Versions = versions ?? VersionParameters.None, TxResources = AllVersions });

    private static string? UsedVersion(ExpansionResult result) =>
        result.Parameters.Single(p => p.Name == "used-codesystem").Value.Split('|')[1];

    [TestCase("1.0.0", "1.0.0", true)]
    [TestCase("1.0.2", "1.0.x", true)]
    [TestCase("1.2.3", "1.x.x", true)]
    [TestCase("1.2.3", "1.x", true)]
    [TestCase("1.2.3", "1.*", true)]
    [TestCase("2.0.0", "1.x", false)]
    [TestCase("1.0.0", "1", false)]
    [TestCase("1.0.0", "1.0", false)]
    [TestCase("1.0", "1.0.x", false)]
    public void Version_patterns(string actual, string wanted, bool matches)
    {
        Assert.That(VersionPattern.Matches(actual, wanted), Is.EqualTo(matches));
    }

    [Test]
    public void Force_overrides_the_include_and_system_version_only_fills_a_versionless_include()
    {
        var all = new VersionParameters
        {
            ForceSystemVersion = [System + "|1.0.x"], SystemVersion = [System + "|1.2.0"], CheckSystemVersion = [System + "|2.0.0"],
        };
        Assert.Multiple(() =>
        {
            Assert.That(IncludeVersion.For(System, "2.0.0", all), Is.EqualTo(new IncludeVersion("1.0.x", "2.0.0", "force-system-version")));
            Assert.That(IncludeVersion.For(System, "2.0.0", all with { ForceSystemVersion = [] }), Is.EqualTo(new IncludeVersion("2.0.0", "2.0.0", null)));
            Assert.That(IncludeVersion.For(System, null, all with { ForceSystemVersion = [] }), Is.EqualTo(new IncludeVersion("1.2.0", null, "system-version")));
            Assert.That(IncludeVersion.For(System, null, new VersionParameters { CheckSystemVersion = [System + "|2.0.0"] }),
                Is.EqualTo(new IncludeVersion("2.0.0", null, "check-system-version")));
            Assert.That(IncludeVersion.For("http://other.org", null, all), Is.EqualTo(new IncludeVersion(null, null, null)));
        });
    }

    [TestCase(null, "2.0.0")]
    [TestCase("1.0.0", "1.0.0")]
    [TestCase("1.x.x", "1.2.0")]
    [TestCase("1.0.x", "1.0.0")]
    public void An_include_uses_the_highest_version_its_version_allows(string? pinned, string used)
    {
        var result = Expand(pinned);
        Assert.That(UsedVersion(result), Is.EqualTo(used));
        Assert.That(result.Contains.First().Display, Is.EqualTo($"One ({used})"));
    }

    [Test]
    public void System_version_applies_to_a_versionless_include_only_and_is_recorded()
    {
        var versions = new VersionParameters { SystemVersion = [System + "|1.0.0"] };
        var versionless = Expand(null, versions);
        Assert.That(UsedVersion(versionless), Is.EqualTo("1.0.0"));
        Assert.That(versionless.Parameters, Does.Contain(("system-version", System + "|1.0.0")));
        var pinned = Expand("1.2.0", versions);
        Assert.That(UsedVersion(pinned), Is.EqualTo("1.2.0"));
        Assert.That(pinned.Parameters.Select(p => p.Name), Does.Not.Contain("system-version"));
    }

    [Test]
    public void Force_system_version_overrides_a_pinned_version()
    {
        var result = Expand("2.0.0", new VersionParameters { ForceSystemVersion = [System + "|1.0.x"] });
        Assert.That(UsedVersion(result), Is.EqualTo("1.0.0"));
        Assert.That(result.Parameters, Does.Contain(("force-system-version", System + "|1.0.x")));
    }

    [Test]
    public void Check_system_version_refuses_another_version_with_a_version_error()
    {
        var versions = new VersionParameters { CheckSystemVersion = [System + "|1.0.x"] };
        Assert.That(UsedVersion(Expand(null, versions)), Is.EqualTo("1.0.0"), "a versionless include takes the checked version");
        var e = Assert.Throws<TerminologyException>(() => Expand("1.2.0", versions))!;
        Assert.That((e.IssueCode, e.Detail), Is.EqualTo(("exception", "version-error")));
        Assert.That(e.Message, Is.EqualTo($"The version '1.2.0' is not allowed for system '{System}': required to be '1.0.x' by a version-check parameter"));
    }

    [Test]
    public void A_pinned_version_that_does_not_exist_is_not_found_naming_the_known_ones()
    {
        var e = Assert.Throws<TerminologyException>(() => Expand("1"))!;
        Assert.That((e.IssueCode, e.Detail), Is.EqualTo(("not-found", "not-found")));
        Assert.That(e.Message, Does.EndWith("so the value set cannot be expanded. Valid versions: 1.0.0 or 1.2.0 or 2.0.0"));
    }

    [Test]
    public void Entries_carry_their_version_only_when_the_compose_names_the_system_in_several_versions()
    {
        var mixed = ValueSet($$$"""{"include":[{"system":"{{{System}}}","version":"1.0.0"},{"system":"{{{System}}}","version":"2.0.0","concept":[{"code":"two"}]}]}""");
        var result = Service().Expand(new ExpandRequest { ValueSet = mixed, TxResources = AllVersions });
        Assert.That(result.Contains.Select(c => (c.Code, c.Version)), Is.EqualTo(new[] { ("one", (string?)"1.0.0"), ("two", "2.0.0") }));
        Assert.That(Expand("1.0.0").Contains.Single().Version, Is.Null);
    }

    [Test]
    public void A_code_of_two_included_versions_is_listed_once_per_version_the_named_most_recent_first()
    {
        var both = ValueSet($$$"""{"include":[{"system":"{{{System}}}","version":"1.0.0"},{"system":"{{{System}}}","version":"2.0.0"}]}""");
        var result = Service().Expand(new ExpandRequest { ValueSet = both, ExcludeNested = true, TxResources = AllVersions });
        Assert.That(result.Contains.Select(c => (c.Code, c.Version)), Is.EqualTo(new[] { ("one", (string?)"2.0.0"), ("one", "1.0.0"), ("two", "2.0.0") }));
        Assert.That(result.Total, Is.EqualTo(3));
        // An include without a version (here resolved to 2.0.0) comes after the versions the includes name.
        var mixed = ValueSet($$$"""{"include":[{"system":"{{{System}}}","version":"1.0.0"},{"system":"{{{System}}}"}]}""");
        Assert.That(Service().Expand(new ExpandRequest { ValueSet = mixed, ExcludeNested = true, TxResources = AllVersions }).Contains.Select(c => (c.Code, c.Version)),
            Is.EqualTo(new[] { ("one", (string?)"1.0.0"), ("one", "2.0.0"), ("two", "2.0.0") }));
    }

    [Test]
    public void An_exclude_naming_a_version_removes_that_versions_codes_when_the_expansion_holds_several()
    {
        var excluded = ValueSet($$$"""{"include":[{"system":"{{{System}}}","version":"1.0.0"},{"system":"{{{System}}}","version":"2.0.0"}],"exclude":[{"system":"{{{System}}}","version":"1.0.0","concept":[{"code":"one"}]}]}""");
        Assert.That(Service().Expand(new ExpandRequest { ValueSet = excluded, ExcludeNested = true, TxResources = AllVersions }).Contains.Select(c => (c.Code, c.Version)),
            Is.EqualTo(new[] { ("one", (string?)"2.0.0"), ("two", "2.0.0") }));
        // With one version in the expansion, an exclude removes the codes whatever version it names.
        var other = ValueSet($$$"""{"include":[{"system":"{{{System}}}","version":"2.0.0"}],"exclude":[{"system":"{{{System}}}","version":"1.0.0"}]}""");
        Assert.That(Service().Expand(new ExpandRequest { ValueSet = other, TxResources = AllVersions }).Contains.Select(c => c.Code), Is.EqualTo(new[] { "two" }));
    }

    [Test]
    public void A_versionless_import_takes_the_default_valueset_version()
    {
        ElementNode Listing(string version, string code) => Parse($$$"""
            {"resourceType":"ValueSet","url":"http://example.org/vs/listed","version":"{{{version}}}","status":"active",
             "compose":{"include":[{"system":"{{{System}}}","concept":[{"code":"{{{code}}}"}]}]}}
            """);
        var importing = ValueSet("""{"include":[{"valueSet":["http://example.org/vs/listed"]}]}""");
        ExpansionResult Run(VersionParameters versions) => Service().Expand(new ExpandRequest
            { ValueSet = importing, Versions = versions, TxResources = [.. AllVersions, Listing("1.0.0", "one"), Listing("2.0.0", "two")] });

        Assert.That(Run(VersionParameters.None).Contains.Single().Code, Is.EqualTo("two"));
        var pinned = Run(new VersionParameters { DefaultValueSetVersion = ["http://example.org/vs/listed|1.0.0"] });
        Assert.That(pinned.Contains.Single().Code, Is.EqualTo("one"));
        Assert.That(pinned.Parameters, Does.Contain(("used-valueset", "http://example.org/vs/listed|1.0.0")));
    }

    private static ValidateCodeResult Validate(string? pinned, string? codingVersion, VersionParameters? versions = null) =>
        Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(System, "one", null, codingVersion)])
            { ValueSet = ValueSet(Include(pinned)), IsCoding = true, Versions = versions ?? VersionParameters.None, TxResources = AllVersions });

    [Test]
    public void A_coding_version_the_include_allows_is_the_one_validated()
    {
        var result = Validate("1.x.x", "1.0.0");
        Assert.That((result.Result, result.Coding?.Version, result.Display), Is.EqualTo((true, (string?)"1.0.0", (string?)"One (1.0.0)")));
    }

    [Test]
    public void A_coding_version_other_than_the_pinned_one_is_an_error_and_the_pinned_version_decides()
    {
        var result = Validate("1.2.0", "1.0.0");
        Assert.That((result.Result, result.Coding?.Version), Is.EqualTo((false, (string?)"1.2.0")));
        var issue = result.Issues.Single();
        Assert.That((issue.Severity, issue.Code, issue.Detail, issue.Expression), Is.EqualTo(("error", "invalid", "vs-invalid", "Coding.version")));
        Assert.That(issue.Text, Is.EqualTo($"The code system '{System}' version '1.2.0' in the ValueSet include is different to the one in the value ('1.0.0')"));
    }

    [Test]
    public void A_coding_version_that_does_not_exist_is_not_found_and_names_the_system_that_caused_it()
    {
        var result = Validate(null, "9.9");
        Assert.That(result.Result, Is.False);
        Assert.That(result.CausedByUnknownSystems, Is.EqualTo(new[] { System + "|9.9" }));
        Assert.That(result.Issues.Select(i => (i.Severity, i.Detail)), Is.EqualTo(new[] { ("error", (string?)"not-found"), ("warning", "vs-invalid") }));
        Assert.That(result.Message, Does.StartWith($"A definition for CodeSystem '{System}' version '9.9' could not be found"));
    }

    [Test]
    public void Check_system_version_reports_a_version_error_in_validation()
    {
        var result = Validate("1.x", null, new VersionParameters { CheckSystemVersion = [System + "|1.0.x"] });
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Single().Detail, Is.EqualTo("version-error"));
        Assert.That(Validate(null, null, new VersionParameters { CheckSystemVersion = [System + "|1.0.x"] }).Result, Is.True);
    }

    [Test]
    public void With_the_system_in_several_versions_the_include_that_lists_the_code_decides()
    {
        var mixed = ValueSet($$$"""
            {"include":[{"system":"{{{System}}}","version":"1.0.0","concept":[{"code":"one"}]},{"system":"{{{System}}}","version":"2.0.0","concept":[{"code":"two"}]}]}
            """);
        var result = Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(System, "one")]) { ValueSet = mixed, TxResources = AllVersions });
        Assert.That((result.Result, result.Coding?.Version), Is.EqualTo((true, (string?)"1.0.0")));
    }

    [Test]
    public void Force_system_version_decides_whatever_the_value_set_pins()
    {
        var result = Validate("2.0.0", null, new VersionParameters { ForceSystemVersion = [System + "|1.0.x"] });
        Assert.That((result.Result, result.Display), Is.EqualTo((true, (string?)"One (1.0.0)")));
    }
}
