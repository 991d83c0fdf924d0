using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FhirServer.Cli;

/// <summary>
/// The peers of <c>validation</c>, each run as a child process on a workload's folder: the Firely validator
/// (FirelyPeer's <c>validate-bench</c>, its core definitions from the same 4.0.1 npm package as ours) and FHIR.js
/// (benchmarks/validation/fhirjs-validate-bench.js, base definitions only). Their own output is kept beside the TSVs.
/// </summary>
internal sealed partial class ValidationPeers
{
    private readonly FileInfo? _firely;
    private readonly DirectoryInfo? _peer;
    private readonly string _node;
    private readonly DirectoryInfo _out;
    private readonly string? _packages;

    public ValidationPeers(FileInfo? firely, DirectoryInfo? peer, string node, DirectoryInfo output, string? packages)
    {
        _out = output;
        _node = node;
        _packages = packages;
        if (firely is null) Missing.Add("Firely (pass --firely <FirelyPeer.dll>)");
        else if (!firely.Exists) Missing.Add($"Firely ({firely.FullName} does not exist)");
        else _firely = firely;
        if (peer is null) Missing.Add("FHIR.js (pass --peer <a copy of ../shared/peers after npm install>)");
        else if (!File.Exists(Path.Combine(peer.FullName, "node_modules", "fhir", "package.json"))) Missing.Add($"FHIR.js (not installed in {peer.FullName}: npm install there)");
        else _peer = peer;
    }

    /// <summary>Why a peer is not run.</summary>
    public List<string> Missing { get; } = [];

    /// <summary>FirelyPeer <c>validate-bench</c>: its own timings read from what it prints.</summary>
    public ValidationFigures? Firely(string workload, DirectoryInfo folder, string[] extra, double seconds)
    {
        if (_firely is null) return null;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[_firely.FullName, "validate-bench", folder.FullName, "--core", "package", .. extra, "--seconds", seconds.ToString(CultureInfo.InvariantCulture)])
            info.ArgumentList.Add(a);
        // Its per-file TSV goes to $TMPDIR; its packages are ours (the shared folder), never a registry.
        info.Environment["TMPDIR"] = _out.FullName;
        if (_packages is not null) info.Environment["FHIR_PACKAGES_DIR"] = _packages;
        info.Environment["FIRELY_PEER_CACHE"] = Path.Combine(Path.GetTempPath(), "firely-peer-cache");
        var (output, ok) = Run(info, $"firely-{ValidateBenchCommand.Slug(workload)}.log");
        if (!ok) return null;
        double Number(Regex pattern) => pattern.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        var pass1 = PassOne().Match(output);
        var files = FilesParsed().Match(output);
        return new ValidationFigures(workload, "Firely", files.Success ? int.Parse(files.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            Number(Setup()), Number(Cold()), Number(PassOneRate()), Number(Warm()), double.NaN,
            pass1.Success ? int.Parse(pass1.Groups[1].Value, CultureInfo.InvariantCulture) : -1,
            pass1.Success ? int.Parse(pass1.Groups[2].Value, CultureInfo.InvariantCulture) : -1,
            PeakRss().Matches(output) is { Count: > 0 } rss ? double.Parse(rss[^1].Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN);
    }

    /// <summary>FHIR.js on the folder (base definitions only): one JSON line of figures.</summary>
    public ValidationFigures? FhirJs(string workload, DirectoryInfo folder, double seconds)
    {
        if (_peer is null) return null;
        var script = Path.Combine(_out.FullName, "fhirjs-validate-bench.js");
        using (var resource = typeof(ValidationPeers).Assembly.GetManifestResourceStream("FhirServer.Cli.fhirjs-validate-bench.js")!)
        using (var file = File.Create(script))
            resource.CopyTo(file);
        var info = new ProcessStartInfo(_node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[script, _peer.FullName, folder.FullName, seconds.ToString(CultureInfo.InvariantCulture),
                     Path.Combine(_out.FullName, $"fhirjs-{ValidateBenchCommand.Slug(workload)}.tsv")])
            info.ArgumentList.Add(a);
        var (output, ok) = Run(info, $"fhirjs-{ValidateBenchCommand.Slug(workload)}.log");
        if (!ok) return null;
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (line is null) return null;
        var j = JsonDocument.Parse(line).RootElement;
        double D(string name) => j.GetProperty(name).GetDouble();
        return new ValidationFigures(workload, "FHIR.js " + j.GetProperty("version").GetString(), (int)D("files"), D("setupMs"), D("coldMs"),
            D("pass1PerSec"), D("warmPerSec"), D("warmWithParsePerSec"), (int)D("filesWithErrors"), (int)D("errors"), D("peakRssMb"));
    }

    private (string Output, bool Ok) Run(ProcessStartInfo info, string log)
    {
        Console.Error.WriteLine($"== running {Path.GetFileName(info.FileName)} {string.Join(' ', info.ArgumentList.Take(2).Select(Path.GetFileName))} … (output in {Path.Combine(_out.FullName, log)})");
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var output = stdout + stderr.Result;
        File.WriteAllText(Path.Combine(_out.FullName, log), output);
        if (process.ExitCode == 0) return (output, true);
        Console.WriteLine($"{Path.GetFileName(info.FileName)} failed (exit {process.ExitCode}); see {Path.Combine(_out.FullName, log)}");
        return (output, false);
    }

    [GeneratedRegex(@"setup (\d+) ms")] private static partial Regex Setup();
    [GeneratedRegex(@"(\d+)/\d+ resources parsed")] private static partial Regex FilesParsed();
    [GeneratedRegex(@"first validation \(cold\) (\d+) ms")] private static partial Regex Cold();
    [GeneratedRegex(@"pass 1 [^:]*: ([\d.]+) resources/s")] private static partial Regex PassOneRate();
    [GeneratedRegex(@"pass 1 [^;]*; (\d+) resources with errors, (\d+) errors")] private static partial Regex PassOne();
    [GeneratedRegex(@"warm: ([\d.]+) resources/s")] private static partial Regex Warm();
    [GeneratedRegex(@"peak RSS (\d+) MB")] private static partial Regex PeakRss();
}
