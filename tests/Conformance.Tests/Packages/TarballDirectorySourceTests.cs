using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Packages;

public class TarballDirectorySourceTests
{

    [TestCase("hl7.fhir.r4.core-4.0.1.tgz", "hl7.fhir.r4.core", "4.0.1")]
    [TestCase("hl7.fhir.uv.extensions.r4-5.3.0-ballot-tc1.tgz", "hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1")]
    [TestCase("ans.fr.terminologies-0.0.1-subset.tgz", "ans.fr.terminologies", "0.0.1-subset")]
    [TestCase("ch.fhir.ig.ch-core-4.0.1.tgz", "ch.fhir.ig.ch-core", "4.0.1")]
    [TestCase("example.pkg-1.0.0.tar.gz", "example.pkg", "1.0.0")]
    public void File_names_split_into_name_and_version(string file, string name, string version) =>
        Assert.That(TarballDirectorySource.ParseFileName(file), Is.EqualTo(new PackageReference(name, version)));

    [TestCase("package.tgz")]
    [TestCase("odd-1.0-2.0.0.tgz")]
    public void Ambiguous_file_names_are_not_guessed(string file) =>
        Assert.That(TarballDirectorySource.ParseFileName(file), Is.Null);

    [Test]
    public async Task Ambiguous_file_names_are_read_from_package_json()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "package.tgz"), TestTarballs.Package("example.plain", "1.2.3"));
        File.WriteAllBytes(Path.Combine(temp.Path, "odd-1.0-2.0.0.tgz"), TestTarballs.Package("odd-1.0", "2.0.0"));
        File.WriteAllText(Path.Combine(temp.Path, "junk.tgz"), "not a tarball");
        var source = new TarballDirectorySource(temp.Path);

        Assert.That(await source.GetVersionsAsync("example.plain", CancellationToken.None), Is.EqualTo(new[] { "1.2.3" }));
        Assert.That(await source.GetVersionsAsync("odd-1.0", CancellationToken.None), Is.EqualTo(new[] { "2.0.0" }));
        Assert.That(await source.GetVersionsAsync("odd", CancellationToken.None), Is.Empty);

        var cache = new PackageCache(temp.Sub("cache"));
        Assert.That(await source.InstallAsync("example.plain", "1.2.3", cache, CancellationToken.None), Is.True);
        Assert.That(cache.TryOpen("example.plain", "1.2.3"), Is.Not.Null);
        Assert.That(await source.InstallAsync("example.plain", "9.9.9", cache, CancellationToken.None), Is.False);
    }

    [Test]
    public async Task A_file_named_after_a_short_name_is_found_by_its_package_json()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(Path.Combine(temp.Path, "mimic-0.1.2.tgz"), TestTarballs.Package("mit.fhir.mimic", "0.1.2"));
        var source = new TarballDirectorySource(temp.Path);

        Assert.That(await source.GetVersionsAsync("mit.fhir.mimic", CancellationToken.None), Is.EqualTo(new[] { "0.1.2" }));
        var cache = new PackageCache(temp.Sub("cache"));
        Assert.That(await source.InstallAsync("mit.fhir.mimic", "0.1.2", cache, CancellationToken.None), Is.True);
        Assert.That(cache.TryOpen("mit.fhir.mimic", "0.1.2"), Is.Not.Null);
    }

    [Test]
    public async Task Lists_the_shared_folder_versions()
    {
        var source = new TarballDirectorySource(TestData.PackagesFolder);
        Assert.That(await source.GetVersionsAsync("ihe.iti.mhd", CancellationToken.None), Is.EqualTo(new[] { "4.2.0", "4.2.3" }));
        Assert.That(await source.GetVersionsAsync("hl7.fhir.fr.core", CancellationToken.None), Is.EqualTo(new[] { "2.1.0", "2.2.0" }));
        Assert.That(await source.GetVersionsAsync("hl7.fhir.extensions.r5", CancellationToken.None), Is.Empty);
    }

    [Test]
    public void A_missing_folder_throws_so_the_resolver_can_report_it()
    {
        var source = new TarballDirectorySource(Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N")));
        Assert.ThrowsAsync<DirectoryNotFoundException>(() => source.GetVersionsAsync("x", CancellationToken.None));
    }
}
