using System.Globalization;

namespace FhirServer.Cli;

/// <summary>
/// Where a <c>load</c> got to: for each input file (by full path), the number of its lines whose batch committed. Saved
/// after each commit (written aside, then moved over the old one, so that an interruption leaves either), read at the
/// start of a rerun, which skips those lines. A line is one NDJSON resource, or a whole file for a single resource.
/// </summary>
internal sealed class LoadCheckpoint(string path)
{
    private readonly Dictionary<string, long> _committed = new(StringComparer.Ordinal);

    public string Path => path;

    public static LoadCheckpoint Read(string path, bool restart)
    {
        var checkpoint = new LoadCheckpoint(path);
        if (restart || !File.Exists(path)) return checkpoint;
        foreach (var line in File.ReadLines(path))
            if (line.Split('\t') is [var file, var count] && long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                checkpoint._committed[file] = n;
        return checkpoint;
    }

    /// <summary>Lines of <paramref name="file"/> committed by an earlier run.</summary>
    public long Committed(string file) => _committed.GetValueOrDefault(file);

    public void Save(string file, long lines)
    {
        _committed[file] = lines;
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, _committed.Select(c => $"{c.Key}\t{c.Value.ToString(CultureInfo.InvariantCulture)}"));
        File.Move(temporary, path, overwrite: true);
    }
}
