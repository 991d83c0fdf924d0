using System.Globalization;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// The resident memory of a process from <c>/proc/&lt;pid&gt;/status</c> (Linux), in bytes. <c>VmRSS</c> alone misleads
/// for a server on SQLite: it counts the pages of the database file the engine maps (<c>RssFile</c>), which the kernel
/// drops whenever it needs the memory; what the process itself holds (the managed heap, native buffers) is
/// <c>RssAnon</c>.
/// </summary>
public sealed record ProcessMemory(long Rss, long Anon, long File)
{
    /// <summary>The figures of process <paramref name="pid"/>; null when it is gone or the system has no such file.</summary>
    public static ProcessMemory? Read(int pid)
    {
        try
        {
            return Parse(System.IO.File.ReadLines($"/proc/{pid}/status"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>From the lines of a status file (<c>"RssAnon:   123456 kB"</c>); null when one of the three is missing.</summary>
    public static ProcessMemory? Parse(IEnumerable<string> status)
    {
        long? rss = null, anon = null, file = null;
        foreach (var line in status)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kilobytes(line);
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kilobytes(line);
        }
        return rss is { } r && anon is { } a && file is { } f ? new ProcessMemory(r, a, f) : null;
    }

    public override string ToString() => $"RssAnon {Megabytes(Anon)}, RssFile {Megabytes(File)} (VmRSS {Megabytes(Rss)})";

    public static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):N0} MB";

    // "RssAnon:   123456 kB"; a process that is exiting has the line without a number.
    private static long? Kilobytes(string line)
    {
        var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes) ? kilobytes * 1024 : null;
    }
}
