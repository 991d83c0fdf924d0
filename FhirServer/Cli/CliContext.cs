using System.CommandLine;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Serialization;
using FhirServer.Hosting;
using Microsoft.Extensions.Configuration;
using CommandLineResult = System.CommandLine.ParseResult;

namespace FhirServer.Cli;

/// <summary>
/// Shared plumbing of the verbs (here and in the benchmarks): parsing, the same package configuration as the server
/// (appsettings.json, environment, and the package switches), and file format helpers.
/// </summary>
internal static class CliContext
{
    /// <summary>
    /// Parses and runs. Response files are off: a FHIRPath expression may start with '@' (<c>@2015-02-04.is(Date)</c>).
    /// A configuration mistake is one line on stderr and exit code 2, not a stack trace.
    /// </summary>
    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"{parsed.CommandResult.Command.Name}: {e.Message}");
            return StartupErrors.ConfigurationExit;
        }
    }

    /// <summary>The package switches of the server (<c>--packages</c>, <c>--package-cache</c>…) and <c>--verbose</c>, on a verb that loads packages.</summary>
    public static void AddPackageOptions(Command command, bool recursive = false)
    {
        foreach (var s in ServerSwitches.All.Where(s => s.Packages))
            command.Options.Add(new Option<string>(s.Name) { Description = s.Description, HelpName = "value", Recursive = recursive });
        command.Options.Add(new Option<bool>(VerboseName) { Description = "Print every package warning", Recursive = recursive });
    }

    private const string VerboseName = "--verbose";

    public static PackageSettings Settings(CommandLineResult? result = null)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables();
        if (result is not null)
        {
            var switches = new Dictionary<string, string?>();
            foreach (var option in Options(result))
                if (ServerSwitches.All.FirstOrDefault(s => s.Packages && s.Name == option.Name) is { } s && option is Option<string> text
                    && result.GetResult(option) is { Implicit: false })
                    switches[s.Key] = result.GetValue(text) ?? "";
            builder.AddInMemoryCollection(switches);
        }
        return ServerApp.ReadPackageSettings(builder.Build());
    }

    /// <summary>
    /// Loads the packages. Errors are printed; warnings (dependencies missing from the cache, an offline registry) only
    /// with <c>--verbose</c>, so that what a verb prints is its result.
    /// </summary>
    /// <param name="extraPackages">Packages to load beside the configured ones (<c>validate --package</c>).</param>
    public static async Task<ConformanceContext> LoadAsync(CommandLineResult? result = null, IReadOnlyList<string>? extraPackages = null)
    {
        var settings = Settings(result);
        foreach (var package in extraPackages ?? [])
            if (!settings.Packages.Contains(package, StringComparer.OrdinalIgnoreCase)) settings.Packages.Add(package);
        var context = await ConformanceContext.LoadAsync(settings);
        var verbose = result is not null && Options(result).OfType<Option<bool>>().FirstOrDefault(o => o.Name == VerboseName) is { } v && result.GetValue(v);
        foreach (var d in context.Resolution.Diagnostics)
            if (d.Severity == PackageDiagnostic.ErrorSeverity || (verbose && d.Severity != PackageDiagnostic.InformationSeverity))
                Console.Error.WriteLine($"packages: {d.Severity}: {d.Message}");
        return context;
    }

    // The options of the verb and those its ancestors pass down.
    private static IEnumerable<Option> Options(CommandLineResult result)
    {
        for (var command = result.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            foreach (var option in command.Command.Options)
                if (command == result.CommandResult || option.Recursive)
                    yield return option;
    }

    public static bool IsXml(string path) => Path.GetExtension(path).Equals(".xml", StringComparison.OrdinalIgnoreCase);

    public static FhirServer.Conformance.Serialization.ParseResult Parse(ConformanceContext context, string path)
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
