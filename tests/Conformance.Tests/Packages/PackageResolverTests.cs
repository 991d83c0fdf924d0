using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

// Resolution rules on small packages built in the test: order, version choice, diagnostics.
public class PackageResolverTests
{
    private TempFolder _temp = null!;
    private string _folder = null!;
    private PackageCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _folder = _temp.Sub("tarballs");
        _cache = new PackageCache(Path.Combine(_temp.Path, "cache"));
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Dependencies_are_added_breadth_first_once_per_name()
    {
        TestTarballs.WritePackage(_folder, "t.a", "1.0.0", ("t.b", "1.0.0"), ("t.c", "1.0.0"));
        TestTarballs.WritePackage(_folder, "t.b", "1.0.0", ("t.d", "1.0.0"));
        TestTarballs.WritePackage(_folder, "t.c", "1.0.0", ("t.d", "1.0.0"), ("t.a", "1.0.0"));
        TestTarballs.WritePackage(_folder, "t.d", "1.0.0");
        TestTarballs.WritePackage(_folder, "t.e", "1.0.0");

        var result = await Resolve("t.a#1.0.0", "t.e");

        Assert.That(result.Packages.Select(p => p.Name), Is.EqualTo(new[] { "t.a", "t.e", "t.b", "t.c", "t.d" }));
        Assert.That(result.Diagnostics, Is.Empty);
    }

    [Test]
    public async Task An_explicit_request_beats_a_dependency_version()
    {
        TestTarballs.WritePackage(_folder, "t.lib", "1.0.0");
        TestTarballs.WritePackage(_folder, "t.lib", "2.0.0");
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.lib", "1.0.0"));

        var result = await Resolve("t.app#1.0.0", "t.lib#2.0.0");

        Assert.That(result.Packages.Select(p => p.ToString()), Is.EqualTo(new[] { "t.app#1.0.0", "t.lib#2.0.0" }));
        var info = result.Diagnostics.Single();
        Assert.That(info.Severity, Is.EqualTo("information"));
        Assert.That(info.Message, Does.Contain("t.lib#1.0.0").And.Contain("t.app#1.0.0").And.Contain("t.lib#2.0.0"));
    }

    [Test]
    public async Task An_absent_dependency_is_a_warning_naming_it_and_its_dependent()
    {
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.ghost", "1.0.0"));
        TestTarballs.WritePackage(_folder, "t.other", "1.0.0", ("t.ghost", "2.0.0"));

        var result = await Resolve("t.app#1.0.0", "t.other#1.0.0");

        Assert.That(result.Packages, Has.Count.EqualTo(2));
        Assert.That(result.Diagnostics.Select(d => d.Severity), Is.EqualTo(new[] { "warning", "warning" }));
        Assert.That(result.Diagnostics[0].Message, Does.Contain("t.ghost#1.0.0").And.Contain("required by t.app#1.0.0"));
        Assert.That(result.Diagnostics[1].Message, Does.Contain("t.ghost#2.0.0").And.Contain("required by t.other#1.0.0"));
    }

    [Test]
    public async Task A_missing_version_falls_back_to_the_nearest_with_a_warning()
    {
        TestTarballs.WritePackage(_folder, "t.lib", "1.0.0");
        TestTarballs.WritePackage(_folder, "t.lib", "2.0.0");
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.lib", "1.5.0"));

        var result = await Resolve("t.app#1.0.0");

        Assert.That(result.Find("t.lib")!.Version, Is.EqualTo("1.0.0"));
        var warning = result.Diagnostics.Single();
        Assert.That(warning.Severity, Is.EqualTo("warning"));
        Assert.That(warning.Message, Does.Contain("t.lib#1.5.0").And.Contain("t.lib#1.0.0"));
    }

    [TestCase("t.lib#1.0.x", "1.0.2")]
    [TestCase("t.lib", "1.1.0")]
    [TestCase("t.lib#latest", "1.1.0")]
    [TestCase("t.lib#1.1.0-ballot", "1.1.0-ballot")]
    public async Task Version_requests_pick_the_highest_match(string request, string expected)
    {
        foreach (var v in new[] { "1.0.0", "1.0.2", "1.1.0-ballot", "1.1.0" }) TestTarballs.WritePackage(_folder, "t.lib", v);
        var result = await Resolve(request);
        Assert.That(result.Packages.Single().Version, Is.EqualTo(expected));
        Assert.That(result.Diagnostics, Is.Empty);
    }

    [Test]
    public async Task Latest_of_a_package_with_only_a_ballot_is_the_ballot()
    {
        TestTarballs.WritePackage(_folder, "t.lib", "1.1.0-ballot");
        var result = await Resolve("t.lib");
        Assert.That(result.Packages.Single().Version, Is.EqualTo("1.1.0-ballot"));
    }

    [Test]
    public async Task The_first_source_with_the_version_wins()
    {
        var second = _temp.Sub("second");
        File.WriteAllBytes(Path.Combine(_folder, "t.lib-1.0.0.tgz"), TestTarballs.Build(
            ("package/package.json", TestTarballs.Manifest("t.lib", "1.0.0")),
            ("package/StructureDefinition-first.json", TestTarballs.StructureDefinition("first"))));
        File.WriteAllBytes(Path.Combine(second, "t.lib-1.0.0.tgz"), TestTarballs.Build(
            ("package/package.json", TestTarballs.Manifest("t.lib", "1.0.0")),
            ("package/StructureDefinition-second.json", TestTarballs.StructureDefinition("second"))));
        TestTarballs.WritePackage(second, "t.only", "1.0.0");
        var resolver = new PackageResolver(_cache, [new TarballDirectorySource(_folder), new TarballDirectorySource(second)]);

        var result = await resolver.ResolveAsync([new PackageReference("t.lib", "1.0.0"), new PackageReference("t.only", "1.0.0")]);

        Assert.That(result.Packages[0].Entries.Single().Id, Is.EqualTo("first"));
        Assert.That(result.Packages[1].Name, Is.EqualTo("t.only"));
    }

    [Test]
    public async Task The_cache_is_consulted_before_any_source()
    {
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.lib", "1.0.0"));
        TestTarballs.WritePackage(_folder, "t.lib", "1.0.0");
        var first = new CountingSource(new TarballDirectorySource(_folder));
        await new PackageResolver(_cache, [first]).ResolveAsync([PackageReference.Parse("t.app#1.0.0")]);
        Assert.That(first.Installs, Is.EqualTo(2));

        var second = new CountingSource(new TarballDirectorySource(_folder));
        var result = await new PackageResolver(_cache, [second]).ResolveAsync([PackageReference.Parse("t.app#1.0.0")]);

        Assert.That(result.Packages, Has.Count.EqualTo(2));
        Assert.That(second.VersionLookups + second.Installs, Is.Zero);
    }

    [Test]
    public async Task Latest_looks_at_every_source_unless_cached_versions_are_preferred()
    {
        TestTarballs.WritePackage(_folder, "t.lib", "1.0.0");
        await Resolve("t.lib#1.0.0");
        TestTarballs.WritePackage(_folder, "t.lib", "1.1.0");

        var source = new CountingSource(new TarballDirectorySource(_folder));
        var cached = await new PackageResolver(_cache, [source]) { PreferCachedVersions = true }.ResolveAsync([PackageReference.Parse("t.lib")]);
        Assert.That(cached.Packages.Single().Version, Is.EqualTo("1.0.0"));
        Assert.That(source.VersionLookups, Is.Zero);

        var fresh = await new PackageResolver(_cache, [source]).ResolveAsync([PackageReference.Parse("t.lib")]);
        Assert.That(fresh.Packages.Single().Version, Is.EqualTo("1.1.0"));
        Assert.That(_cache.GetVersions("t.lib"), Is.EqualTo(new[] { "1.0.0", "1.1.0" }));
    }

    [Test]
    public async Task An_unreachable_source_is_reported_once_and_skipped()
    {
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.ghost", "1.0.0"), ("t.ghost2", "1.0.0"));
        var unreachable = new UnreachableSource();
        var resolver = new PackageResolver(_cache, [unreachable, new TarballDirectorySource(_folder)]);

        var result = await resolver.ResolveAsync([PackageReference.Parse("t.app#1.0.0")]);

        Assert.That(result.Packages.Single().Name, Is.EqualTo("t.app"));
        Assert.That(unreachable.VersionLookups, Is.EqualTo(1));
        Assert.That(result.Diagnostics.Count(d => d.Message.Contains("unreachable test source")), Is.EqualTo(1));
        Assert.That(result.Diagnostics.Count(d => d.Message.Contains("t.ghost")), Is.EqualTo(2));
        Assert.That(result.Diagnostics.All(d => d.Severity == "warning"), Is.True);
    }

    [Test]
    public async Task A_corrupt_tarball_is_an_error_diagnostic_not_an_exception()
    {
        File.WriteAllBytes(Path.Combine(_folder, "t.broken-1.0.0.tgz"), [0x1f, 0x8b, 0x08, 0x00, 0x42, 0x42, 0x42, 0x42]);
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("t.broken", "1.0.0"));

        var result = await Resolve("t.app#1.0.0");

        Assert.That(result.Packages.Select(p => p.Name), Is.EqualTo(new[] { "t.app" }));
        var error = result.Diagnostics.Single(d => d.Severity == "error");
        Assert.That(error.Message, Does.Contain("t.broken#1.0.0"));
        Assert.That(result.HasErrors, Is.True);
        Assert.That(_cache.GetVersions("t.broken"), Is.Empty);
    }

    [Test]
    public async Task A_missing_tarball_folder_and_a_hostile_dependency_name_are_warnings()
    {
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0", ("../../escape", "1.0.0"));
        var missing = Path.Combine(_temp.Path, "missing");
        var resolver = new PackageResolver(_cache, [new TarballDirectorySource(missing), new TarballDirectorySource(_folder)]);

        var result = await resolver.ResolveAsync([PackageReference.Parse("t.app#1.0.0"), PackageReference.Parse("t.none")]);

        Assert.That(result.Packages.Single().Name, Is.EqualTo("t.app"));
        Assert.That(result.Diagnostics.Select(d => d.Severity), Is.All.EqualTo("warning"));
        Assert.That(result.Diagnostics.Count(d => d.Message.Contains(missing)), Is.EqualTo(1));
        Assert.That(result.Diagnostics.Any(d => d.Message.Contains("../../escape")), Is.True);
        Assert.That(result.Diagnostics.Any(d => d.Message.Contains("t.none") && d.Message.Contains("requested")), Is.True);
    }

    [Test]
    public void Cancellation_is_not_swallowed()
    {
        TestTarballs.WritePackage(_folder, "t.app", "1.0.0");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var resolver = new PackageResolver(_cache, [new TarballDirectorySource(_folder)]);
        Assert.CatchAsync<OperationCanceledException>(() => resolver.ResolveAsync([PackageReference.Parse("t.app#1.0.0")], cts.Token));
    }

    [Test]
    public void CreateDefault_orders_sources_and_can_stay_offline()
    {
        var online = PackageResolver.CreateDefault(_cache.Root, [_folder]);
        Assert.That(online.Cache.Root, Is.EqualTo(_cache.Root));
        Assert.That(online.Sources.Select(s => s.GetType()), Is.EqualTo(new[] { typeof(TarballDirectorySource), typeof(NpmRegistrySource) }));
        Assert.That(((NpmRegistrySource)online.Sources[1]).BaseUri, Is.EqualTo(new Uri("https://packages.fhir.org/")));

        var offline = PackageResolver.CreateDefault(_cache.Root, [_folder], offline: true);
        Assert.That(offline.Sources.Select(s => s.GetType()), Is.EqualTo(new[] { typeof(TarballDirectorySource) }));
        Assert.That(PackageResolver.CreateDefault().Cache.Root, Is.EqualTo(PackageCache.DefaultRoot));
    }

    private Task<PackageResolution> Resolve(params string[] references) =>
        new PackageResolver(_cache, [new TarballDirectorySource(_folder)]).ResolveAsync(references.Select(PackageReference.Parse));
}
