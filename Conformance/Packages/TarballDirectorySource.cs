using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace FhirServer.Conformance.Packages;

// A folder of npm tarballs named "<name>-<version>.tgz" (npm pack's naming). Names may hold dashes
// ("ch.fhir.ig.ch-core") and so may versions ("5.3.0-ballot-tc1"), so the split is taken at the one dash followed
// by something shaped like a version; when there is no such dash, or more than one, package/package.json inside the
// tarball decides; so it does when no file is named after a package asked for (a tarball named after a short
// name). The folder is listed on every lookup so tarballs dropped in while the server runs are seen.
public sealed partial class TarballDirectorySource : IPackageSource
{
    private const int MaxManifestBytes = 1 << 20;
    private readonly ConcurrentDictionary<string, (DateTime Written, long Length, PackageReference? Reference)> _manifests = new(StringComparer.Ordinal);

    public TarballDirectorySource(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    public string Description => $"tarball folder {Folder}";

    public Task<IReadOnlyList<string>> GetVersionsAsync(string name, CancellationToken ct)
    {
        IReadOnlyList<string> versions = [.. Tarballs(name, ct)
            .Select(t => t.Reference.Version!)
            .Distinct(StringComparer.Ordinal)
            .Order(SemanticVersionComparer.Instance)];
        return Task.FromResult(versions);
    }

    public async Task<bool> InstallAsync(string name, string version, PackageCache cache, CancellationToken ct)
    {
        if (FindTarball(name, version, ct) is not { } path) return false;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        await cache.InstallTarballAsync(stream, name, version, ct);
        return true;
    }

    // Reads name#version from its tarball without unpacking it (TarballPackageReader), and says how to unpack it into
    // the cache later. Null when this folder does not have that version.
    internal PendingInstall? OpenWithoutInstalling(string name, string version, PackageCache cache, CancellationToken ct)
    {
        if (FindTarball(name, version, ct) is not { } path) return null;
        TarballPackageReader.Contents contents;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024))
            contents = TarballPackageReader.Read(stream, cache.MaxUnpackedBytes, ct);
        var package = FhirPackage.FromTarball(contents, cache.PackageDirectory(name, version), name, version);
        var index = contents.Entries;
        return new PendingInstall(package, async installCt =>
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            await cache.InstallTarballAsync(stream, name, version, index, installCt);
        });
    }

    private string? FindTarball(string name, string version, CancellationToken ct) =>
        Tarballs(name, ct).FirstOrDefault(t => string.Equals(t.Reference.Version, version, StringComparison.OrdinalIgnoreCase)).Path;

    // The tarballs of a package: by their file names; when no file is named after it, by their package.json, since a
    // file may be named after a short name of the package ("mimic-0.1.2.tgz" holding mit.fhir.mimic#0.1.2).
    private List<(PackageReference Reference, string Path)> Tarballs(string name, CancellationToken ct)
    {
        var named = Scan(ct, readEveryManifest: false).Where(t => string.Equals(t.Reference.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count > 0 ? named
            : [.. Scan(ct, readEveryManifest: true).Where(t => string.Equals(t.Reference.Name, name, StringComparison.OrdinalIgnoreCase))];
    }

    // The name and version a tarball file name stands for, or null when the name alone cannot tell.
    public static PackageReference? ParseFileName(string fileName)
    {
        var stem = fileName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? fileName[..^7]
            : fileName.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) ? fileName[..^4]
            : fileName;
        PackageReference? found = null;
        for (var i = stem.IndexOf('-'); i > 0; i = stem.IndexOf('-', i + 1))
        {
            var version = stem[(i + 1)..];
            if (!VersionShape().IsMatch(version)) continue;
            if (found is not null) return null;
            found = new PackageReference(stem[..i], version);
        }
        return found;
    }

    private List<(PackageReference Reference, string Path)> Scan(CancellationToken ct, bool readEveryManifest)
    {
        if (!Directory.Exists(Folder)) throw new DirectoryNotFoundException($"The package folder '{Folder}' does not exist.");
        var found = new List<(PackageReference, string)>();
        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles())
        {
            if (!file.Name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) &&
                !file.Name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)) continue;
            ct.ThrowIfCancellationRequested();
            var reference = (readEveryManifest ? null : ParseFileName(file.Name)) ?? ReadManifestReference(file);
            if (reference?.Version is not null) found.Add((reference, file.FullName));
        }
        return found;
    }

    private PackageReference? ReadManifestReference(FileInfo file)
    {
        if (_manifests.TryGetValue(file.FullName, out var known) && known.Written == file.LastWriteTimeUtc && known.Length == file.Length)
            return known.Reference;
        PackageReference? reference = null;
        try
        {
            using var stream = file.OpenRead();
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = entry.Name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
                if (parts is not [_, PackageManifest.FileName] || entry.DataStream is null || entry.Length > MaxManifestBytes) continue;
                using var buffer = new MemoryStream();
                entry.DataStream.CopyTo(buffer);
                var manifest = PackageManifest.Parse(buffer.ToArray());
                if (manifest.Name is { Length: > 0 } name && manifest.Version is { Length: > 0 } version)
                    reference = new PackageReference(name, version);
                break;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or System.Text.Json.JsonException or FormatException)
        {
            // Not a readable package: leave it out of the listing rather than fail every lookup in the folder.
        }
        _manifests[file.FullName] = (file.LastWriteTimeUtc, file.Length, reference);
        return reference;
    }

    [GeneratedRegex(@"^\d+(\.\d+)+([-+][0-9A-Za-z.+-]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionShape();
}
