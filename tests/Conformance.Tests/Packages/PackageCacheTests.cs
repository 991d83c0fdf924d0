using System.Formats.Tar;
using System.IO.Compression;
using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

// Installing tarballs into the cache: layout, atomicity under concurrent installers, and hostile tarballs.
public class PackageCacheTests
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

    [Test]
    public async Task Installs_into_name_hash_version_and_builds_the_index()
    {
        await Install(TestTarballs.Package("example.a", "1.0.0"), "example.a", "1.0.0");

        var folder = Path.Combine(_cache.Root, "example.a#1.0.0", "package");
        Assert.That(File.Exists(Path.Combine(folder, "package.json")), Is.True);
        Assert.That(File.Exists(Path.Combine(folder, ".index.json")), Is.True, "the index is built before the folder becomes visible");
        Assert.That(_cache.GetVersions("example.a"), Is.EqualTo(new[] { "1.0.0" }));
        Assert.That(_cache.GetVersions("EXAMPLE.A"), Is.EqualTo(new[] { "1.0.0" }));
        var package = _cache.TryOpen("example.a", "1.0.0");
        Assert.That(package, Is.Not.Null);
        Assert.That(package!.Entries.Single().Url, Is.EqualTo("http://example.org/StructureDefinition/example.a"));
        Assert.That(_cache.TryOpen("example.a", "2.0.0"), Is.Null);
        Assert.That(Directory.GetDirectories(_cache.Root), Has.Length.EqualTo(1), "no temporary folder is left behind");
    }

    [Test]
    public void DefaultRoot_is_the_user_fhir_package_cache() =>
        Assert.That(PackageCache.DefaultRoot, Is.EqualTo(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fhir", "packages")));

    [Test]
    public async Task Concurrent_installers_of_the_same_package_all_succeed()
    {
        var tgz = TestTarballs.Package("example.race", "1.0.0");
        // Separate cache instances stand for separate processes sharing the folder.
        var installs = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            new PackageCache(_cache.Root).InstallTarballAsync(new MemoryStream(tgz), "example.race", "1.0.0", CancellationToken.None)));
        await Task.WhenAll(installs);

        Assert.That(Directory.GetDirectories(_cache.Root).Select(Path.GetFileName), Is.EqualTo(new[] { "example.race#1.0.0" }));
        Assert.That(_cache.TryOpen("example.race", "1.0.0")!.Entries, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Path_traversal_entries_are_not_written_outside_the_cache()
    {
        var outside = Path.Combine(_temp.Path, "outside.txt");
        var absolute = Path.Combine(_temp.Path, "absolute.txt");
        var tgz = TestTarballs.Build(
            ("package/package.json", TestTarballs.Manifest("example.evil", "1.0.0")),
            ("package/../../../outside.txt", "escaped"),
            ("../outside.txt", "escaped"),
            (absolute, "escaped"),
            ("package/..\\..\\..\\outside.txt", "escaped"),
            ("package/Patient-ok.json", "{\"resourceType\":\"Patient\",\"id\":\"ok\"}"));

        await Install(tgz, "example.evil", "1.0.0");

        Assert.That(File.Exists(outside), Is.False);
        Assert.That(File.Exists(absolute), Is.False);
        var written = Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories);
        Assert.That(written.All(f => f.StartsWith(_cache.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)), Is.True, string.Join("\n", written));
        Assert.That(_cache.TryOpen("example.evil", "1.0.0")!.Entries.Single().Id, Is.EqualTo("ok"));
    }

    [Test]
    public async Task Links_are_not_followed_or_created()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json")
            { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(TestTarballs.Manifest("example.link", "1.0.0"))) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/link.json") { LinkName = "/etc/passwd" });
        }

        await Install(buffer.ToArray(), "example.link", "1.0.0");

        Assert.That(new FileInfo(Path.Combine(_cache.Root, "example.link#1.0.0", "package", "link.json")).Exists, Is.False);
    }

    [Test]
    public void Size_cap_stops_a_tarball_that_unpacks_too_large()
    {
        var small = new PackageCache(_cache.Root) { MaxUnpackedBytes = 10_000 };
        var tgz = TestTarballs.Build(
            ("package/package.json", TestTarballs.Manifest("example.big", "1.0.0")),
            ("package/Binary-big.json", new string(' ', 50_000)));

        var error = Assert.ThrowsAsync<InvalidDataException>(() => small.InstallTarballAsync(new MemoryStream(tgz), "example.big", "1.0.0", CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("10,000"));
        Assert.That(Directory.GetDirectories(_cache.Root), Is.Empty, "the partial unpack is removed");
    }

    [Test]
    public void A_corrupt_tarball_throws_and_leaves_nothing()
    {
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        Assert.ThrowsAsync<InvalidDataException>(() => _cache.InstallTarballAsync(new MemoryStream(garbage), "example.bad", "1.0.0", CancellationToken.None));
        Assert.That(_cache.GetVersions("example.bad"), Is.Empty);
        Assert.That(Directory.GetDirectories(_cache.Root), Is.Empty);
    }

    [Test]
    public void A_tarball_without_package_json_is_refused()
    {
        var tgz = TestTarballs.Build(("package/Patient-a.json", "{\"resourceType\":\"Patient\"}"));
        Assert.ThrowsAsync<InvalidDataException>(() => _cache.InstallTarballAsync(new MemoryStream(tgz), "example.none", "1.0.0", CancellationToken.None));
        Assert.That(_cache.GetVersions("example.none"), Is.Empty);
    }

    [Test]
    public async Task A_top_folder_not_named_package_is_accepted()
    {
        var tgz = TestTarballs.Build(
            ("example.other/package.json", TestTarballs.Manifest("example.other", "1.0.0")),
            ("example.other/StructureDefinition-x.json", TestTarballs.StructureDefinition("x")));
        await Install(tgz, "example.other", "1.0.0");
        Assert.That(_cache.TryOpen("example.other", "1.0.0")!.Entries.Single().Id, Is.EqualTo("x"));
    }

    [TestCase("../escape", "1.0.0")]
    [TestCase("example.a", "../../1.0.0")]
    [TestCase("example/a", "1.0.0")]
    [TestCase(".hidden", "1.0.0")]
    public void Names_that_would_leave_the_cache_are_refused(string name, string version)
    {
        Assert.ThrowsAsync<ArgumentException>(() => _cache.InstallTarballAsync(new MemoryStream(TestTarballs.Package("x", "1.0.0")), name, version, CancellationToken.None));
        Assert.That(_cache.TryOpen(name, version), Is.Null);
    }

    private Task Install(byte[] tgz, string name, string version) =>
        _cache.InstallTarballAsync(new MemoryStream(tgz), name, version, CancellationToken.None);
}
