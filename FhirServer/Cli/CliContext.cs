using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Hosting;
using Microsoft.Extensions.Configuration;

namespace FhirServer.Cli;

/// <summary>Shared plumbing of the verbs: the same package configuration as the server, and file format helpers.</summary>
internal static class CliContext
{
    public static PackageSettings Settings()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        return ServerApp.ReadPackageSettings(configuration);
    }

    public static async Task<ConformanceContext> LoadAsync(bool verbose = true)
    {
        var context = await ConformanceContext.LoadAsync(Settings());
        if (verbose)
            foreach (var d in context.Resolution.Diagnostics.Where(d => d.Severity != "information"))
                Console.Error.WriteLine($"packages: {d.Severity}: {d.Message}");
        return context;
    }

    public static bool IsXml(string path) => Path.GetExtension(path).Equals(".xml", StringComparison.OrdinalIgnoreCase);

    public static ParseResult Parse(ConformanceContext context, string path)
    {
        var bytes = File.ReadAllBytes(path);
        return IsXml(path) ? context.Xml.Parse(bytes) : context.Json.Parse(bytes);
    }

    public static void PrintIssues(IEnumerable<OutcomeIssue> issues, string? file = null)
    {
        foreach (var issue in issues)
            Console.Error.WriteLine(file is null ? issue.ToString() : $"{file}: {issue}");
    }
}
