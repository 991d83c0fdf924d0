namespace FhirServer.Conformance.Packages;

// A package: its package.json and its index. Resource files are only read on demand, so opening an unpacked
// hl7.fhir.r4.core costs two small file reads. A package opened from its tarball (a first start with an empty cache,
// see TarballPackageReader) holds its resource files in memory until it is unpacked into the cache; from then on it
// reads the unpacked files like any other.
public sealed class FhirPackage
{
    private volatile IReadOnlyDictionary<string, byte[]>? _tarballFiles;

    private FhirPackage(string name, string version, string directory, PackageManifest manifest, IReadOnlyList<PackageIndexEntry> entries)
    {
        Name = name;
        Version = version;
        Directory = directory;
        Dependencies = manifest.Dependencies;
        Canonical = manifest.Canonical;
        FhirVersions = manifest.FhirVersions;
        Entries = entries;
    }

    public string Name { get; }
    public string Version { get; }

    // Absolute path of the unpacked package/ folder (for a package read from its tarball: where it will be unpacked).
    public string Directory { get; }

    // False while the resource files are served from the tarball's contents in memory.
    public bool IsUnpacked => _tarballFiles is null;

    public IReadOnlyDictionary<string, string> Dependencies { get; }
    public string? Canonical { get; }
    public IReadOnlyList<string> FhirVersions { get; }
    public IReadOnlyList<PackageIndexEntry> Entries { get; }

    // True when .index.json was missing or unreadable and the index was built by scanning the resources.
    public bool IndexWasBuilt { get; private init; }

    public PackageReference Reference => new(Name, Version);

    // Opens an unpacked package/ folder. Name and version come from package.json unless the caller (the cache,
    // which keys folders by name#version) says otherwise. A missing .index.json is built and, when the folder is
    // writable, saved so the next start reads it instead of scanning again.
    public static FhirPackage Load(string packageDirectory) => Load(packageDirectory, null, null);

    internal static FhirPackage Load(string packageDirectory, string? name, string? version)
    {
        var directory = Path.GetFullPath(packageDirectory);
        var manifestPath = Path.Combine(directory, PackageManifest.FileName);
        if (!File.Exists(manifestPath))
            throw new InvalidDataException($"'{directory}' is not a FHIR package: it has no {PackageManifest.FileName}.");
        var manifest = PackageManifest.Read(manifestPath);
        var indexPath = Path.Combine(directory, PackageIndex.FileName);
        var entries = PackageIndex.TryRead(indexPath);
        var built = entries is null;
        if (entries is null)
        {
            entries = PackageIndexBuilder.Build(directory);
            TrySaveIndex(indexPath, entries);
        }
        return new FhirPackage(
            name ?? manifest.Name ?? Path.GetFileName(Path.GetDirectoryName(directory)) ?? "unknown",
            version ?? manifest.Version ?? "0.0.0",
            directory, manifest, entries)
        {
            IndexWasBuilt = built,
        };
    }

    // A package read from a tarball, to be unpacked later into directory (the cache's folder for name#version).
    internal static FhirPackage FromTarball(TarballPackageReader.Contents contents, string directory, string name, string version) =>
        new(name, version, Path.GetFullPath(directory), contents.Manifest, contents.Entries)
        {
            IndexWasBuilt = contents.IndexWasBuilt,
            _tarballFiles = contents.Files,
        };

    // Called once the package is unpacked at Directory: reads go to the files, and the memory copy is let go.
    internal void ReleaseTarballFiles() => _tarballFiles = null;

    public string GetPath(PackageIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Entries can be constructed by callers too; keep every read inside the package folder.
        if (!PackageFiles.IsPlainFileName(entry.FileName))
            throw new ArgumentException($"'{entry.FileName}' is not a file of package {this}.", nameof(entry));
        return Path.Combine(Directory, entry.FileName);
    }

    // The bytes are the caller's to read, not to change: a package read from its tarball hands out the array it holds.
    public byte[] ReadFile(PackageIndexEntry entry)
    {
        var path = GetPath(entry);
        return _tarballFiles is { } files ? FromTarball(files, entry) : File.ReadAllBytes(path);
    }

    public Stream OpenFile(PackageIndexEntry entry)
    {
        var path = GetPath(entry);
        return _tarballFiles is { } files
            ? new MemoryStream(FromTarball(files, entry), writable: false)
            : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16 * 1024, FileOptions.SequentialScan);
    }

    public override string ToString() => $"{Name}#{Version}";

    private byte[] FromTarball(IReadOnlyDictionary<string, byte[]> files, PackageIndexEntry entry) =>
        files.TryGetValue(entry.FileName, out var bytes)
            ? bytes
            : throw new FileNotFoundException($"Package {this} has no file '{entry.FileName}'.", GetPath(entry));

    private static void TrySaveIndex(string indexPath, List<PackageIndexEntry> entries)
    {
        try
        {
            PackageIndex.Write(indexPath, entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache (a shared or container image folder) still works, it just rebuilds each start.
        }
    }
}
