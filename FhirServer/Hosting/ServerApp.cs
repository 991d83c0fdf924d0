using FhirServer.Conformance.Context;
using FhirServer.Http;

namespace FhirServer.Hosting;

/// <summary>Builds the web application: configuration, the shared conformance context, and the FHIR endpoints.</summary>
public static class ServerApp
{
    // Short command-line switches for the settings people change most (R4 server set-up, several instances side by side).
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--packages"] = "FhirPackages:PackageList",
        ["--package-sources"] = "FhirPackages:SourceList",
        ["--package-cache"] = "FhirPackages:Cache",
        ["--registry"] = "FhirPackages:Registry",
        ["--data"] = "Storage:DataDirectory",
    };

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        builder.Services.AddSingleton(sp => LoadConformance(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILogger<ConformanceContext>>()));

        var app = builder.Build();
        // Load the packages before the first request rather than during it.
        app.Services.GetRequiredService<ConformanceContext>();
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapFhirEndpoints();
        return app;
    }

    public static PackageSettings ReadPackageSettings(IConfiguration configuration)
    {
        var settings = new PackageSettings();
        var section = configuration.GetSection("FhirPackages");
        section.Bind(settings);
        if (section["PackageList"] is { Length: > 0 } list) settings.Packages = Split(list);
        if (section["SourceList"] is { Length: > 0 } sources) settings.Sources = Split(sources);
        return settings;
    }

    private static ConformanceContext LoadConformance(IConfiguration configuration, ILogger logger)
    {
        var settings = ReadPackageSettings(configuration);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var context = ConformanceContext.LoadAsync(settings).GetAwaiter().GetResult();
        foreach (var d in context.Resolution.Diagnostics)
        {
            var level = d.Severity switch { "error" => LogLevel.Error, "warning" => LogLevel.Warning, _ => LogLevel.Debug };
            logger.Log(level, "Packages: {Message}", d.Message);
        }
        logger.LogInformation("Loaded {Count} packages in {Elapsed} ms: {Packages}", context.Resolution.Packages.Count,
            started.ElapsedMilliseconds, string.Join(", ", context.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}")));
        return context;
    }

    private static List<string> Split(string list) =>
        [.. list.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
