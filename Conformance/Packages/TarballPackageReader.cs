using System.Formats.Tar;
using System.IO.Compression;

namespace FhirServer.Conformance.Packages;

// Reads a package straight from its npm tarball, in one pass and without writing anything: package.json, the index
// (package/.index.json, or built from the resources when the package has none) and the resource files, which are
// the files directly in the top folder (https://hl7.org/fhir/packages.html#2.1.10.4). A first start with an empty
// cache uses this instead of unpacking: writing ~12,000 files (200 MB for the default set) is what made it slow.
// The same safety rules as TarballExtractor apply: only plain files of plain names are read, and the total size is
// capped.
internal static class TarballPackageReader
{
    public sealed record Contents(PackageManifest Manifest, List<PackageIndexEntry> Entries, bool IndexWasBuilt, Dictionary<string, byte[]> Files);

    public static Contents Read(Stream tgz, long maxUnpackedBytes, CancellationToken ct)
    {
        using var gzip = new GZipStream(tgz, CompressionMode.Decompress, leaveOpen: true);
        using var tar = new TarReader(gzip, leaveOpen: true);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string? top = null;
        long total = 0;
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            ct.ThrowIfCancellationRequested();
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;
            // Only "<top>/<file>": package.json, .index.json and the resources. example/, other/, xml/ are not read.
            if (TarballExtractor.ToSafeRelativePath(entry.Name) is not { } relative) continue;
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length != 2 || !PackageFiles.IsPlainFileName(parts[1])) continue;
            // npm ignores the top folder's name (the FHIR spec says "package"); a tarball has one, so the first wins.
            top ??= parts[0];
            if (parts[0] != top) continue;
            if (entry.Length < 0 || entry.Length > maxUnpackedBytes - total)
                throw new InvalidDataException($"The package unpacks to more than the {maxUnpackedBytes:N0} bytes allowed.");
            total += entry.Length;
            files[parts[1]] = ReadAll(entry);
        }
        if (!files.Remove(PackageManifest.FileName, out var manifestBytes))
            throw new InvalidDataException($"The tarball has no package/{PackageManifest.FileName}: it is not a FHIR package.");
        var manifest = PackageManifest.Parse(manifestBytes);
        var entries = files.Remove(PackageIndex.FileName, out var indexBytes) ? PackageIndex.TryParse(indexBytes) : null;
        var built = entries is null;
        entries ??= Build(files);
        return new Contents(manifest, entries, built, files);
    }

    // The same index PackageIndexBuilder makes of the unpacked folder: every file that is a JSON resource, by name.
    private static List<PackageIndexEntry> Build(Dictionary<string, byte[]> files)
    {
        var named = files.ToArray();
        var entries = new PackageIndexEntry?[named.Length];
        Parallel.For(0, named.Length, i => entries[i] = PackageIndexBuilder.TryIndex(named[i].Key, named[i].Value));
        return [.. entries.OfType<PackageIndexEntry>().OrderBy(e => e.FileName, StringComparer.Ordinal)];
    }

    private static byte[] ReadAll(TarEntry entry)
    {
        var bytes = new byte[entry.Length];
        if (entry.DataStream is not { } data) return bytes;
        // The tar header's size is what was budgeted for: read exactly that, and fail on a truncated tarball.
        data.ReadExactly(bytes);
        return bytes;
    }
}
