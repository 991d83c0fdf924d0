using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Packages;

// Downloads through the npm protocol from a registry the test runs itself; nothing here touches the internet.
public class NpmRegistrySourceTests
{
    private TempFolder _temp = null!;
    private TestRegistryServer _server = null!;
    private HttpClient _http = null!;
    private PackageCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _server = new TestRegistryServer();
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _cache = new PackageCache(Path.Combine(_temp.Path, "cache"));
        _server.AddPackage("ihe.iti.mhd", [("4.2.0", Shared("ihe.iti.mhd-4.2.0.tgz")), ("4.2.3", Shared("ihe.iti.mhd-4.2.3.tgz"))]);
        _server.AddPackage("ans.fhir.fr.pdsm", [("3.1.1", Shared("ans.fhir.fr.pdsm-3.1.1.tgz"))]);
    }

    [TearDown]
    public void TearDown()
    {
        _http.Dispose();
        _server.Dispose();
        _temp.Dispose();
    }

    [Test]
    public async Task Lists_versions_and_dist_tags()
    {
        var source = new NpmRegistrySource(_server.BaseUri, _http);
        Assert.That(await source.GetVersionsAsync("ihe.iti.mhd", CancellationToken.None), Is.EqualTo(new[] { "4.2.0", "4.2.3" }));
        Assert.That((await source.GetDistTagsAsync("ihe.iti.mhd", CancellationToken.None))["latest"], Is.EqualTo("4.2.3"));
        Assert.That(await source.GetVersionsAsync("hl7.fhir.extensions.r5", CancellationToken.None), Is.Empty, "a 404 means the registry lacks the package");
    }

    [Test]
    public async Task Latest_is_downloaded_and_unpacked_into_the_cache()
    {
        var result = await Resolver().ResolveAsync([PackageReference.Parse("ihe.iti.mhd")]);

        var mhd = result.Packages.Single();
        Assert.That(mhd.ToString(), Is.EqualTo("ihe.iti.mhd#4.2.3"));
        Assert.That(mhd.Entries, Has.Count.EqualTo(54));
        Assert.That(mhd.Directory, Is.EqualTo(Path.Combine(_cache.Root, "ihe.iti.mhd#4.2.3", "package")));
        Assert.That(_server.Requests, Does.Contain("tarballs/ihe.iti.mhd-4.2.3.tgz"));
        Assert.That(_server.Requests, Does.Not.Contain("tarballs/ihe.iti.mhd-4.2.0.tgz"));
        // Its dependencies are not on this registry: 404s, reported as warnings naming the dependent.
        Assert.That(result.HasErrors, Is.False);
        Assert.That(result.Diagnostics.Single(d => d.Message.Contains("hl7.fhir.r4.core")).Message, Does.Contain("required by ihe.iti.mhd#4.2.3"));
    }

    [Test]
    public async Task Dependencies_are_fetched_in_their_requested_version()
    {
        var result = await Resolver().ResolveAsync([PackageReference.Parse("ans.fhir.fr.pdsm#3.1.1")]);

        Assert.That(result.Packages.Select(p => p.ToString()), Is.EqualTo(new[] { "ans.fhir.fr.pdsm#3.1.1", "ihe.iti.mhd#4.2.0" }));
        Assert.That(_cache.GetVersions("ihe.iti.mhd"), Is.EqualTo(new[] { "4.2.0" }));
        Assert.That(result.Diagnostics.Any(d => d.Message.Contains("ans.fhir.fr.annuaire") && d.Severity == "warning"), Is.True);
    }

    [Test]
    public async Task A_tarball_that_fails_its_checksum_is_not_installed()
    {
        _server.AddPackage("t.tampered", [("1.0.0", TestTarballs.Package("t.tampered", "1.0.0"))], checksum: new string('0', 40));

        var result = await Resolver().ResolveAsync([PackageReference.Parse("t.tampered#1.0.0")]);

        Assert.That(result.Packages, Is.Empty);
        Assert.That(result.Diagnostics.Single(d => d.Severity == "error").Message, Does.Contain("checksum"));
        Assert.That(_cache.GetVersions("t.tampered"), Is.Empty);
    }

    [Test]
    public async Task A_missing_tarball_is_a_warning()
    {
        _server.AddPackage("t.gone", [("1.0.0", TestTarballs.Package("t.gone", "1.0.0"))], serveTarballs: false);

        var result = await Resolver().ResolveAsync([PackageReference.Parse("t.gone#1.0.0")]);

        Assert.That(result.Packages, Is.Empty);
        Assert.That(result.Diagnostics.Single().Severity, Is.EqualTo("warning"));
        Assert.That(result.Diagnostics.Single().Message, Does.Contain("404"));
    }

    [Test]
    public async Task A_server_error_marks_the_registry_unavailable()
    {
        _server.AddRoute("t.flaky", 500, "boom");

        var result = await Resolver().ResolveAsync([PackageReference.Parse("t.flaky#1.0.0"), PackageReference.Parse("ihe.iti.mhd#4.2.0")]);

        Assert.That(result.Packages, Is.Empty);
        Assert.That(result.Diagnostics.Select(d => d.Severity), Is.All.EqualTo("warning"));
        Assert.That(result.Diagnostics.Count(d => d.Message.Contains("unavailable") && d.Message.Contains("500")), Is.EqualTo(1));
    }

    [Test]
    public async Task Connection_refused_is_a_warning_not_an_exception()
    {
        var closed = new Uri($"http://127.0.0.1:{TestRegistryServer.FreePort()}/");
        var source = new NpmRegistrySource(closed, _http);
        Assert.ThrowsAsync<HttpRequestException>(() => source.GetVersionsAsync("ihe.iti.mhd", CancellationToken.None));

        var result = await new PackageResolver(_cache, [source]).ResolveAsync([PackageReference.Parse("ihe.iti.mhd#4.2.0"), PackageReference.Parse("ans.fhir.fr.pdsm")]);

        Assert.That(result.Packages, Is.Empty);
        Assert.That(result.Diagnostics.Select(d => d.Severity), Is.All.EqualTo("warning"));
        Assert.That(result.Diagnostics.Count(d => d.Message.Contains(closed.AbsoluteUri)), Is.EqualTo(1));
        Assert.That(result.Diagnostics.Any(d => d.Message.Contains("ihe.iti.mhd#4.2.0")), Is.True);
        Assert.That(result.Diagnostics.Any(d => d.Message.Contains("ans.fhir.fr.pdsm")), Is.True);
    }

    private PackageResolver Resolver() => new(_cache, [new NpmRegistrySource(_server.BaseUri, _http)]);

    private static byte[] Shared(string file) => File.ReadAllBytes(Path.Combine(TestData.PackagesFolder, file));
}
