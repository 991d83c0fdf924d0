namespace FhirServer.Cli;

/// <summary>One validator's figures on one workload of <c>validation</c> (<see cref="ValidateBenchCommand"/>).</summary>
/// <param name="SetupMs">Loading the definitions (packages, the peer's sources), before any validation.</param>
/// <param name="ColdMs">The first validation, schemas compiled on the way (time to first result after set-up).</param>
/// <param name="Pass1PerSecond">Every file once after the first: each new type or profile compiles its schema.</param>
/// <param name="WarmPerSecond">Parsed resources validated over and over (parse excluded).</param>
/// <param name="WarmWithParsePerSecond">The same from the file's bytes (parse included); NaN when the peer cannot tell.</param>
/// <param name="FilesWithErrors">Files with at least one error (parse or validation): are the validators checking comparable things?</param>
internal sealed record ValidationFigures(string Workload, string Validator, int Files, double SetupMs, double ColdMs, double Pass1PerSecond,
    double WarmPerSecond, double WarmWithParsePerSecond, int FilesWithErrors, int Errors, double PeakRssMb)
{
    public static void PrintTable(IEnumerable<ValidationFigures> rows)
    {
        Console.WriteLine($"{"workload",-8} {"validator",-14} {"files",5} {"setup ms",9} {"cold ms",8} {"pass 1/s",9} {"warm/s",9} {"+parse/s",9} {"with errors",11} {"errors",7} {"peak RSS MB",11}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Workload,-8} {r.Validator,-14} {r.Files,5} {r.SetupMs,9:N0} {r.ColdMs,8:N0} {r.Pass1PerSecond,9:N0} {r.WarmPerSecond,9:N0} " +
                $"{(double.IsNaN(r.WarmWithParsePerSecond) ? "—" : r.WarmWithParsePerSecond.ToString("N0")),9} {r.FilesWithErrors,11} {r.Errors,7} {r.PeakRssMb,11:N0}");
    }
}
