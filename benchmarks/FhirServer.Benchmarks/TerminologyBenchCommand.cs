using System.CommandLine;
using System.Diagnostics;
using FhirServer.Conformance.Context;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Cli;

/// <summary>
/// <c>terminology membership</c> (in process: the membership check for the validator, and what terminology costs at
/// start-up) and <c>terminology http</c> (closed-loop load on a running server: ValueSet/$validate-code against a JDV_
/// value set, $expand of the largest value set of the packages, CodeSystem/$lookup of TRE_ codes). Figures, never tests.
/// </summary>
internal static class TerminologyBenchCommand
{
    // A required binding of the French profiles (Annuaire: Practitioner civilité) and the national code system behind it.
    private const string Jdv = "https://mos.esante.gouv.fr/NOS/JDV_J78-Civilite-RASS/FHIR/JDV-J78-Civilite-RASS";
    private const string Tre = "https://mos.esante.gouv.fr/NOS/TRE_R81-Civilite/FHIR/TRE-R81-Civilite";
    private const string Pays = "https://mos.esante.gouv.fr/NOS/TRE_R20-Pays/FHIR/TRE-R20-Pays";

    public static Command Create()
    {
        var terminology = new Command("terminology", "Terminology benchmarks: in-process membership checks, and the operations over HTTP");
        terminology.Subcommands.Add(Membership());
        terminology.Subcommands.Add(Http());
        return terminology;
    }

    private static Command Membership()
    {
        var seconds = new Option<double>("--duration") { Description = "Seconds per measure", DefaultValueFactory = _ => 3 };
        var command = new Command("membership", "Membership checks per second in process (IValueSetMembership), and the terminology's share of start-up") { seconds };
        command.SetAction(async (result, ct) =>
        {
            var context = await CliContext.LoadAsync(result);
            var sw = Stopwatch.StartNew();
            var sources = new TerminologySources(context, new StoredResources());
            var membership = new ValueSetMembership(sources, new TerminologyOptions());
            _ = new LocalTerminologyService(sources, new TerminologyOptions());
            Console.WriteLine($"terminology at start-up (sources, service, membership built; nothing read): {sw.Elapsed.TotalMilliseconds:F2} ms (goal ≤ 300 ms)");
            sw.Restart();
            var first = membership.IsMember(Jdv, Tre, "MME");
            Console.WriteLine($"first check ({first}; reads and expands {Jdv.Split('/')[^1]}): {sw.Elapsed.TotalMilliseconds:F1} ms");

            var codes = membership.Codes(Jdv, int.MaxValue, "").Select(c => c.Code).Append("NOT-A-CODE").ToArray();
            var duration = result.GetValue(seconds);
            Measure("expanded value set (hashed)", duration, i => membership.IsMember(Jdv, Tre, codes[i % codes.Length]));
            // A whole large system, past the expansion limit: the compose rules answer each check.
            var big = context.Registry.AllVersions("http://hl7.org/fhir/ValueSet/all-languages").Count > 0 ? "http://hl7.org/fhir/ValueSet/all-languages" : null;
            var rules = new ValueSetMembership(sources, new TerminologyOptions { MaxExpansionSize = 1 });
            Measure("same value set by the compose rules", duration, i => rules.IsMember(Jdv, Tre, codes[i % codes.Length]));
            if (big is not null) Measure("all-languages (not present: cannot tell)", duration, i => membership.IsMember(big, "urn:ietf:bcp:47", "fr-FR"));
            return 0;
        });
        return command;
    }

    private static void Measure(string what, double seconds, Func<int, Membership> check)
    {
        var threads = Environment.ProcessorCount;
        for (var i = 0; i < 100_000; i++) check(i);
        long total = 0;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, threads, t =>
        {
            long n = 0;
            while (sw.Elapsed.TotalSeconds < seconds)
                for (var i = 0; i < 1000; i++, n++) check(i + t);
            Interlocked.Add(ref total, n);
        });
        var single = Stopwatch.StartNew();
        long one = 0;
        while (single.Elapsed.TotalSeconds < seconds / 2)
            for (var i = 0; i < 1000; i++, one++) check(i);
        Console.WriteLine($"{what,-44} {total / sw.Elapsed.TotalSeconds,14:N0} checks/s on {threads} threads, {one / single.Elapsed.TotalSeconds,14:N0} on one (goal ≥ 1,000,000)");
    }

    private static Command Http()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL" };
        var duration = new Option<double>("--duration") { Description = "Seconds of load per operation", DefaultValueFactory = _ => 10 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (closed loop)", DefaultValueFactory = _ => 8 };
        var command = new Command("http", "Closed-loop load: ValueSet/$validate-code (JDV_), $expand of the largest value set, CodeSystem/$lookup (TRE_)")
        {
            baseUrl, duration, clients,
        };
        command.SetAction(async (result, ct) =>
        {
            var context = await CliContext.LoadAsync(result);
            var (largest, size) = Largest(context);
            using var http = new HttpClient { BaseAddress = new Uri(result.GetValue(baseUrl)!.TrimEnd('/') + "/") };
            http.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
            var membership = new ValueSetMembership(new TerminologySources(context), new TerminologyOptions());
            var civilites = membership.Codes(Jdv, int.MaxValue, "").Select(c => c.Code).ToList();
            var countries = new TerminologySources(context).ForRequest().FindCodeSystem(Pays)!.All.Select(c => c.Code).Take(200).ToList();
            var loads = new (string Name, List<string> Urls, string Goal)[]
            {
                ("ValueSet/$validate-code", [.. civilites.Select(c => $"ValueSet/$validate-code?url={Jdv}&system={Tre}&code={c}")], "≥ 10,000 req/s, p99 < 5 ms"),
                ($"ValueSet/$expand ({size:N0} codes)", [$"ValueSet/$expand?url={Uri.EscapeDataString(largest)}"], "p50 < 20 ms"),
                ("CodeSystem/$lookup", [.. countries.Select(c => $"CodeSystem/$lookup?system={Pays}&code={c}")], "≥ 10,000 req/s"),
            };
            var n = Math.Max(1, result.GetValue(clients));
            var seconds = result.GetValue(duration);
            Console.WriteLine($"largest value set that expands: {largest} ({size:N0} codes)");
            Console.WriteLine($"closed loop: {n} clients × {seconds:0.#} s per operation after a 2 s warm-up");
            Console.WriteLine($"{"operation",-40} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",7}  goal");
            foreach (var (name, urls, goal) in loads)
            {
                await SearchBenchCommand.RunAsync(http, urls, n, 2, ct);
                var m = await SearchBenchCommand.RunAsync(http, urls, n, seconds, ct);
                Console.WriteLine($"{name,-40} {m.Rps,9:N0} {m.P50,8:F2} {m.P99,8:F2} {m.Errors,7}  {goal}");
            }
            return 0;
        });
        return command;
    }

    // Every value set of the packages expanded once: the one with most codes that a whole $expand may give with the
    // default limits (a count of 0 pages up to MaxPagedExpansionSize, so larger totals are seen here that the server
    // refuses to expand whole with too-costly).
    private static (string Url, int Size) Largest(ConformanceContext context)
    {
        var options = new TerminologyOptions();
        var service = new LocalTerminologyService(new TerminologySources(context), options);
        var best = ("", 0);
        foreach (var url in context.Registry.Packages.SelectMany(p => p.Entries).Where(e => e.ResourceType == "ValueSet").Select(e => e.Url).OfType<string>().Distinct())
        {
            try
            {
                var total = service.Expand(new ExpandRequest { Url = url, Count = 0 }).Total;
                if (total > best.Item2 && total <= options.MaxExpansionSize) best = (url, total);
            }
            catch (TerminologyException)
            {
            }
        }
        return best;
    }
}
