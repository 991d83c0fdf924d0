using System.Text;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Packages;

// Packages read straight from their tarballs (PackageResolver.DeferTarballInstalls, a first start with an empty
// cache) and unpacked afterwards: they must look exactly like the same packages unpacked.
public class TarballPackageTests
{

    private TempFolder _temp = null!;
    private PackageCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _cache = new PackageCache(Path.Combine(_temp.Path, "cache"));
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    // pdsm ships .index.json; extensions has none, so its index is built from the resources in the tarball.
    [TestCase("ans.fhir.fr.pdsm", "3.1.1", false)]
    [TestCase("hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1", true)]
    public async Task A_package_read_from_its_tarball_has_the_index_and_resources_of_the_unpacked_one(string name, string version, bool indexBuilt)
    {
        var fromTarball = (await Resolve($"{name}#{version}")).Find(name)!;
        var unpacked = (await new PackageResolver(new PackageCache(_temp.Sub("eager")), [new TarballDirectorySource(TestData.PackagesFolder)])
            .ResolveAsync([new PackageReference(name, version)])).Find(name)!;

        Assert.Multiple(() =>
        {
            Assert.That(fromTarball.IsUnpacked, Is.False);
            Assert.That(unpacked.IsUnpacked, Is.True);
            Assert.That(fromTarball.IndexWasBuilt, Is.EqualTo(indexBuilt));
            Assert.That(fromTarball.Entries, Is.EqualTo(unpacked.Entries));
            Assert.That(fromTarball.Dependencies, Is.EqualTo(unpacked.Dependencies));
            Assert.That(fromTarball.Canonical, Is.EqualTo(unpacked.Canonical));
            Assert.That(fromTarball.FhirVersions, Is.EqualTo(unpacked.FhirVersions));
            Assert.That(fromTarball.Directory, Is.EqualTo(Path.Combine(_cache.Root, $"{name}#{version}", "package")));
        });
        Assert.That(fromTarball.Entries, Is.Not.Empty);
        foreach (var entry in fromTarball.Entries)
            Assert.That(fromTarball.ReadFile(entry), Is.EqualTo(unpacked.ReadFile(entry)), entry.FileName);
        using var stream = fromTarball.OpenFile(fromTarball.Entries[0]);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(unpacked.ReadFile(unpacked.Entries[0])));
    }

    [Test]
    public async Task Deferred_packages_are_not_written_until_installed_and_then_read_from_the_cache()
    {
        WritePackage("example.a", "1.0.0", ("example.b", "2.0.0"));
        WritePackage("example.b", "2.0.0");

        var resolution = await Resolve("example.a#1.0.0");

        Assert.That(resolution.Packages.Select(p => p.ToString()), Is.EqualTo(new[] { "example.a#1.0.0", "example.b#2.0.0" }));
        Assert.That(resolution.HasErrors, Is.False, string.Join("\n", resolution.Diagnostics));
        Assert.That(resolution.PendingInstalls, Has.Count.EqualTo(2));
        Assert.That(Directory.Exists(_cache.Root) ? Directory.GetDirectories(_cache.Root) : [], Is.Empty, "nothing is unpacked while resolving");
        var a = resolution.Find("example.a")!;
        var entry = a.Entries.Single();
        Assert.That(Encoding.UTF8.GetString(a.ReadFile(entry)), Does.Contain("\"id\":\"example.a\""));

        Assert.That(await resolution.InstallPendingAsync(), Is.Empty);

        Assert.That(resolution.PendingInstalls, Is.Empty);
        Assert.That(a.IsUnpacked, Is.True);
        Assert.That(File.Exists(a.GetPath(entry)), Is.True);
        Assert.That(Encoding.UTF8.GetString(a.ReadFile(entry)), Does.Contain("\"id\":\"example.a\""));
        var reopened = new PackageCache(_cache.Root).TryOpen("example.a", "1.0.0")!;
        Assert.That(reopened.Entries, Is.EqualTo(a.Entries));
        Assert.That(reopened.IndexWasBuilt, Is.False, "the cache holds the package's index");
        var warm = await Resolve("example.a#1.0.0");
        Assert.That(warm.PendingInstalls, Is.Empty, "the next start reads the cache");
    }

    [Test]
    public async Task A_tarball_without_package_json_is_an_error_not_a_crash()
    {
        File.WriteAllBytes(Path.Combine(_temp.Sub("tgz"), "example.bad-1.0.0.tgz"),
            TestTarballs.Build(("package/StructureDefinition-x.json", TestTarballs.StructureDefinition("x"))));

        var resolution = await Resolve("example.bad#1.0.0");

        Assert.That(resolution.Packages, Is.Empty);
        Assert.That(resolution.HasErrors, Is.True);
        Assert.That(resolution.Diagnostics.Select(d => d.Message), Has.Some.Contains("package.json"));
    }

    [Test]
    public async Task Only_plain_top_level_files_are_read_and_the_size_is_capped()
    {
        File.WriteAllBytes(Path.Combine(_temp.Sub("tgz"), "example.odd-1.0.0.tgz"), TestTarballs.Build(
            ("other-top/package.json", TestTarballs.Manifest("example.odd", "1.0.0")),
            ("other-top/StructureDefinition-odd.json", TestTarballs.StructureDefinition("odd")),
            ("other-top/example/Patient-p.json", """{"resourceType":"Patient","id":"p"}"""),
            ("other-top/../StructureDefinition-escape.json", TestTarballs.StructureDefinition("escape"))));

        var package = (await Resolve("example.odd#1.0.0")).Find("example.odd")!;

        Assert.That(package.Entries.Select(e => e.FileName), Is.EqualTo(new[] { "StructureDefinition-odd.json" }));
        var small = new PackageCache(Path.Combine(_temp.Path, "small")) { MaxUnpackedBytes = 100 };
        var capped = await new PackageResolver(small, [new TarballDirectorySource(_temp.Sub("tgz"))]) { DeferTarballInstalls = true }
            .ResolveAsync([PackageReference.Parse("example.odd#1.0.0")]);
        Assert.That(capped.Packages, Is.Empty);
        Assert.That(capped.Diagnostics.Select(d => d.Message), Has.Some.Contains("bytes allowed"));
    }

    private Task<PackageResolution> Resolve(params string[] references)
    {
        var folders = new[] { _temp.Sub("tgz"), TestData.PackagesFolder };
        return new PackageResolver(_cache, folders.Select(f => new TarballDirectorySource(f))) { DeferTarballInstalls = true }
            .ResolveAsync(references.Select(PackageReference.Parse));
    }

    private void WritePackage(string name, string version, params (string Name, string Version)[] dependencies) =>
        TestTarballs.WritePackage(_temp.Sub("tgz"), name, version, dependencies);
}
