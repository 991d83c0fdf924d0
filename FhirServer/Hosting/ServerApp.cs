using FhirServer.Conformance.Context;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Hosting;

/// <summary>Builds the web application: configuration, the conformance context, the store, and the FHIR endpoints.</summary>
public static class ServerApp
{
    // Short command-line switches for the settings people change most, so several instances can run side by side
    // (--urls is ASP.NET Core's own).
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--packages"] = "FhirPackages:PackageList",
        ["--package-sources"] = "FhirPackages:SourceList",
        ["--package-cache"] = "FhirPackages:Cache",
        ["--registry"] = "FhirPackages:Registry",
        ["--data"] = "Server:DataDirectory",
        ["--store"] = "Server:Store",
        ["--connection"] = "Server:Connection",
        ["--max-request-bytes"] = "Server:MaxRequestBytes",
        ["--cors-origins"] = "Server:CorsOrigins",
        ["--base-url"] = "Server:BaseUrl",
        ["--log-format"] = "Logging:Format",
    };

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        var settings = ReadServerSettings(builder.Configuration);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        // Our own reader enforces MaxRequestBytes with a 413 OperationOutcome, and RequestLimits the sizes of the request
        // line and headers with 414 / 431 and one; Kestrel's limits, which answer without a body, are only backstops.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = settings.MaxRequestBytes + 1;
            k.Limits.MaxRequestLineSize = (int)Math.Min(int.MaxValue, RequestLimits.KestrelBackstop(settings.MaxRequestLineBytes));
            k.Limits.MaxRequestHeadersTotalSize = (int)Math.Min(int.MaxValue, RequestLimits.KestrelBackstop(settings.MaxRequestHeaderBytes));
            k.Limits.MaxRequestHeaderCount = (int)Math.Min(int.MaxValue, RequestLimits.KestrelBackstop(settings.MaxRequestHeaders));
        });

        var services = builder.Services;
        // Bodies sent compressed (Content-Encoding: gzip, deflate, br) are read decompressed, within the same size limit
        // (FhirInput counts the decompressed bytes); answers are compressed for clients that accept it (Accept-Encoding),
        // over plain HTTP — over HTTPS only behind a proxy that does it, as compressing secrets next to attacker-chosen
        // text over TLS leaks them (BREACH).
        services.AddRequestDecompression();
        services.AddResponseCompression(o =>
        {
            o.MimeTypes = [.. Microsoft.AspNetCore.ResponseCompression.ResponseCompressionDefaults.MimeTypes, FhirFormats.JsonMediaType, FhirFormats.XmlMediaType];
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.AddCrossOrigin(settings);
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => LoadConformance(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILogger<ConformanceContext>>()));
        services.AddSingleton(sp => OpenStore(settings, sp.GetRequiredService<ILogger<SqlResourceStore>>()));
        services.AddSingleton<IResourceStore>(sp => sp.GetRequiredService<SqlResourceStore>());
        services.AddHttpContextAccessor();
        services.AddSingleton<LocalBases>();
        services.AddSingleton<PackageSearch>();
        services.AddSingleton<ISearchParameters>(sp => sp.GetRequiredService<PackageSearch>());
        services.AddSingleton<IResourceIndexer>(sp => sp.GetRequiredService<PackageSearch>());
        services.AddSingleton(sp => sp.GetRequiredService<ConformanceContext>().Registry);
        services.AddSingleton<SearchQueryParser>();
        services.AddSingleton<SqlSearch>();
        services.AddSingleton<ConditionalMatcher>();
        services.AddSingleton<ConditionalCreateLocks>();
        services.AddSingleton<Reindexer>();
        services.AddSingleton<FhirOutput>();
        services.AddSingleton<FhirInput>();
        services.AddSingleton<Capabilities>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<CreateCombiner>();
        services.AddSingleton<BundleProcessor>();

        var app = builder.Build();
        // Load the packages and open the store before the first request rather than during it.
        var conformance = app.Services.GetRequiredService<ConformanceContext>();
        // On a first start the packages were read straight from their tarballs: unpack them into the cache once the
        // server answers, so that the next start reads the cache (docs/conformance.md, "Start-up").
        if (conformance.Resolution.PendingInstalls.Count > 0)
        {
            var logger = app.Services.GetRequiredService<ILogger<ConformanceContext>>();
            app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => UnpackPackagesAsync(conformance, logger, app.Lifetime.ApplicationStopping)));
        }
        app.Services.GetRequiredService<IResourceStore>();
        // A new or changed set of search parameters: rebuild the index before serving searches on it.
        app.Services.GetRequiredService<Reindexer>().RunAsync(force: false).GetAwaiter().GetResult();
        app.UseResponseCompression();
        app.UseFhirErrors();
        app.UseCrossOrigin(settings);
        app.UseRequestLimits(settings);
        app.UseRequestDecompression();
        app.UseContentEncodingCheck();
        // HEAD is a GET without the body (RFC 9110 section 9.3.2): routed to the GET endpoints, with the headers a GET
        // answers; the server sends no body for a HEAD request. Routing comes after, so that it sees the GET.
        app.Use((http, next) =>
        {
            if (HttpMethods.IsHead(http.Request.Method)) http.Request.Method = HttpMethods.Get;
            return next(http);
        });
        app.UseRouting();
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/ready", async (IResourceStore store, CancellationToken ct) =>
            await store.PingAsync(ct) ? Results.Text("ready") : Results.Text("store unreachable", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapFhirEndpoints();
        app.MapSearchEndpoints();
        return app;
    }

    public static ServerSettings ReadServerSettings(IConfiguration configuration)
    {
        var settings = new ServerSettings();
        configuration.GetSection("Server").Bind(settings);
        return settings;
    }

    /// <summary>Opens (and creates or migrates) the configured store.</summary>
    public static SqlResourceStore OpenStore(ServerSettings settings, ILogger logger)
    {
        SqlDialect dialect = settings.Store.ToLowerInvariant() switch
        {
            "sqlite" => new SqliteDialect(Path.Combine(settings.DataDirectory, "fhir.db")),
            "postgres" or "postgresql" => new PostgresDialect(settings.Connection
                ?? throw new InvalidOperationException("--store postgres needs --connection (or Server:Connection): a PostgreSQL connection string.")),
            var other => throw new InvalidOperationException($"Unknown store '{other}': use sqlite or postgres."),
        };
        var store = new SqlResourceStore(dialect);
        store.InitializeAsync().GetAwaiter().GetResult();
        logger.LogInformation("Store: {Kind} ({Where})", store.Kind, dialect.Location);
        return store;
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
        var parserOptions = ParserOptions.Default with { MaxDepth = ReadServerSettings(configuration).MaxResourceDepth };
        var context = ConformanceContext.LoadAsync(settings, parserOptions, deferTarballInstalls: true).GetAwaiter().GetResult();
        foreach (var d in context.Resolution.Diagnostics)
        {
            var level = d.Severity switch { "error" => LogLevel.Error, "warning" => LogLevel.Warning, _ => LogLevel.Debug };
            logger.Log(level, "Packages: {Message}", d.Message);
        }
        logger.LogInformation("Loaded {Count} packages in {Elapsed} ms: {Packages}", context.Resolution.Packages.Count,
            started.ElapsedMilliseconds, string.Join(", ", context.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}")));
        return context;
    }

    private static async Task UnpackPackagesAsync(ConformanceContext context, ILogger logger, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var count = context.Resolution.PendingInstalls.Count;
        try
        {
            foreach (var d in await context.Resolution.InstallPendingAsync(ct)) logger.LogWarning("Packages: {Message}", d.Message);
            logger.LogInformation("Unpacked {Count} packages into the package cache in {Elapsed} ms", count, started.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped before unpacking finished: what was not renamed into place is left out, the next start reads the tarballs again.
        }
        catch (Exception e)
        {
            // A background task has nobody to throw to; the packages keep working from memory.
            logger.LogError(e, "Packages: unpacking into the package cache failed");
        }
    }

    private static List<string> Split(string list) =>
        [.. list.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
