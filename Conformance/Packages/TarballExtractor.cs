using System.Formats.Tar;
using System.IO.Compression;

namespace FhirServer.Conformance.Packages;

// Unpacks an npm tarball (gzip-compressed tar, https://docs.npmjs.com/cli/v10/configuring-npm/package-json) into a
// folder. Tarballs come from registries and folders we do not control, so: entries whose names are absolute or
// contain ".." are skipped, links and device entries are skipped, and the total unpacked size is capped.
internal static class TarballExtractor
{
    public static async Task ExtractAsync(Stream tgz, string targetDirectory, long maxUnpackedBytes, CancellationToken ct)
    {
        var root = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(root);
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        long total = 0;

        await using var gzip = new GZipStream(tgz, CompressionMode.Decompress, leaveOpen: true);
        await using var tar = new TarReader(gzip, leaveOpen: true);
        while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            var isFile = entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;
            var isDirectory = entry.EntryType == TarEntryType.Directory;
            // Symbolic and hard links could point anywhere; nothing in a FHIR package needs them (nor devices, fifos).
            if (!isFile && !isDirectory) continue;
            var relative = ToSafeRelativePath(entry.Name);
            var path = relative is null ? null : Path.GetFullPath(Path.Combine(root, relative));
            if (path is null || !path.StartsWith(rootWithSeparator, StringComparison.Ordinal)) continue;
            if (isDirectory)
            {
                Directory.CreateDirectory(path);
                continue;
            }
            if (entry.Length < 0 || entry.Length > maxUnpackedBytes - total)
                throw new InvalidDataException($"The package unpacks to more than the {maxUnpackedBytes:N0} bytes allowed.");
            total += entry.Length;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                if (entry.DataStream is { } data) await CopyBoundedAsync(data, output, entry.Length, ct);
            }
        }
    }

    // Null for names that are absolute or climb with "..". Both separators count: a Windows-made tarball may use '\'.
    internal static string? ToSafeRelativePath(string entryName)
    {
        var name = entryName.Replace('\\', '/');
        if (name.StartsWith('/') || Path.IsPathRooted(name) || (name.Length > 1 && name[1] == ':')) return null;
        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Length == 0 || segments.Any(s => s == ".." || s.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0))
            return null;
        return Path.Combine(segments);
    }

    // The tar header's size is what we budgeted for; never write more than that whatever the stream yields.
    private static async Task CopyBoundedAsync(Stream source, Stream destination, long length, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(81920, Math.Max(1, length))];
        var remaining = length;
        while (remaining > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), ct);
            if (read == 0) throw new InvalidDataException("The tarball ends in the middle of a file.");
            await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            remaining -= read;
        }
    }
}
