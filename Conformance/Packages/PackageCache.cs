using System.Collections.Concurrent;
using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// The package cache shared by FHIR tools (the FHIR IG publisher, Firely, HAPI): <root>/<name>#<version>/package/...
// (https://confluence.hl7.org/display/FHIR/FHIR+Package+Cache). Other processes may read and fill the same folder
// while we do, so installs are atomic: unpack into a private folder under the root, then rename it into place.
public sealed class PackageCache
{
    public const long DefaultMaxUnpackedBytes = 1L << 30;

    private const string InstallPrefix = ".install-";
    private readonly ConcurrentDictionary<string, FhirPackage> _opened = new(StringComparer.Ordinal);

    public PackageCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public static string DefaultRoot =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fhir", "packages");

    public string Root { get; }

    // Guards against tarballs that decompress to absurd sizes ("zip bombs").
    public long MaxUnpackedBytes { get; init; } = DefaultMaxUnpackedBytes;

    // Versions present and complete (package/package.json written), lowest first.
    public IReadOnlyList<string> GetVersions(string name)
    {
        if (!PackageFiles.IsSafeSegment(name) || !Directory.Exists(Root)) return [];
        var prefix = name + "#";
        var versions = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Root, "*#*"))
        {
            var folder = Path.GetFileName(dir);
            if (folder.Length > prefix.Length && folder.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
                File.Exists(Path.Combine(dir, "package", PackageManifest.FileName)))
                versions.Add(folder[prefix.Length..]);
        }
        versions.Sort(SemanticVersionComparer.Instance);
        return versions;
    }

    // Null when that version is not in the cache. Throws InvalidDataException when it is there but unreadable.
    public FhirPackage? TryOpen(string name, string version)
    {
        var folder = FindFolder(name, version);
        if (folder is null) return null;
        var packageDirectory = Path.Combine(folder, "package");
        if (_opened.TryGetValue(packageDirectory, out var known)) return known;
        var separator = Path.GetFileName(folder).IndexOf('#');
        try
        {
            var package = FhirPackage.Load(packageDirectory, Path.GetFileName(folder)[..separator], Path.GetFileName(folder)[(separator + 1)..]);
            return _opened.GetOrAdd(packageDirectory, package);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The cached package {name}#{version} has an unreadable package.json: {e.Message}", e);
        }
    }

    public Task InstallTarballAsync(Stream tgz, string name, string version, CancellationToken ct) =>
        InstallTarballAsync(tgz, name, version, index: null, ct);

    // The package/ folder name#version is (or will be) unpacked into.
    internal string PackageDirectory(string name, string version) => Path.Combine(Root, $"{name}#{version}", "package");

    // index: the package's index when the caller already has it (read from the same tarball), saved as .index.json
    // when the tarball has none instead of reading every unpacked resource again to build it.
    internal async Task InstallTarballAsync(Stream tgz, string name, string version, IReadOnlyList<PackageIndexEntry>? index, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tgz);
        if (!PackageFiles.IsSafeSegment(name)) throw new ArgumentException($"'{name}' is not a valid package name.", nameof(name));
        if (!PackageFiles.IsSafeSegment(version)) throw new ArgumentException($"'{version}' is not a valid package version.", nameof(version));
        if (FindFolder(name, version) is not null) return;

        Directory.CreateDirectory(Root);
        var target = Path.Combine(Root, $"{name}#{version}");
        var temp = Path.Combine(Root, $"{InstallPrefix}{name}#{version}-{Guid.NewGuid():N}");
        try
        {
            await TarballExtractor.ExtractAsync(tgz, temp, MaxUnpackedBytes, ct);
            NormalizeTopFolder(temp);
            var packageDirectory = Path.Combine(temp, "package");
            if (!File.Exists(Path.Combine(packageDirectory, PackageManifest.FileName)))
                throw new InvalidDataException($"The tarball for {name}#{version} has no package/{PackageManifest.FileName}: it is not a FHIR package.");
            var indexPath = Path.Combine(packageDirectory, PackageIndex.FileName);
            if (index is not null && !File.Exists(indexPath)) PackageIndex.Write(indexPath, index);
            // Builds and saves .index.json when the package has none, before anyone else can see the folder.
            FhirPackage.Load(packageDirectory, name, version);
            ct.ThrowIfCancellationRequested();
            try
            {
                Directory.Move(temp, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another installer (thread or process) renamed its copy first; theirs is as good as ours.
                if (FindFolder(name, version) is null)
                    throw new IOException($"'{target}' exists but holds no package/{PackageManifest.FileName}; remove it to reinstall {name}#{version}.");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The tarball for {name}#{version} has an unreadable package.json: {e.Message}", e);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private string? FindFolder(string name, string version)
    {
        if (!PackageFiles.IsSafeSegment(name) || !PackageFiles.IsSafeSegment(version)) return null;
        var exact = Path.Combine(Root, $"{name}#{version}");
        if (IsComplete(exact)) return exact;
        if (!Directory.Exists(Root)) return null;
        // Package names are case-insensitive; another tool may have cached "HL7.Fhir.R4.Core#4.0.1".
        var wanted = $"{name}#{version}";
        return Directory.EnumerateDirectories(Root, "*#*")
            .FirstOrDefault(d => string.Equals(Path.GetFileName(d), wanted, StringComparison.OrdinalIgnoreCase) && IsComplete(d));
    }

    private static bool IsComplete(string folder) => File.Exists(Path.Combine(folder, "package", PackageManifest.FileName));

    // npm ignores the name of a tarball's single top folder; the FHIR spec names it "package". Accept other names.
    private static void NormalizeTopFolder(string root)
    {
        if (Directory.Exists(Path.Combine(root, "package"))) return;
        var tops = Directory.GetDirectories(root);
        if (tops.Length == 1 && Directory.GetFiles(root).Length == 0 && File.Exists(Path.Combine(tops[0], PackageManifest.FileName)))
            Directory.Move(tops[0], Path.Combine(root, "package"));
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftovers are harmless: their names never match "<name>#<version>".
        }
    }
}
