using FhirServer.Authorization;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Packages;
using FhirServer.Documents;
using FhirServer.Http;
using FhirServer.Http.Terminology;
using FhirServer.Prescription;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Smart;
using FhirServer.Storage;
using FhirServer.Validation;

namespace FhirServer.Hosting;

/// <summary>Builds the web application: configuration, the conformance context, the store, and the FHIR endpoints.</summary>
public static class ServerApp
{
    /// <param name="configure">Services added last (a benchmark's authentication scheme); null for the server itself.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        // The content root is the executable's folder, where appsettings.json is, whatever the working directory:
        // paths the user gives (--data, files of the verbs) stay relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, ServerSwitches.Mappings());
        // The SMART clients and settings may live in a file of their own (--smart-config).
        if (builder.Configuration["Smart:ConfigFile"] is { Length: > 0 } smartFile)
        {
            if (!File.Exists(smartFile)) throw new ConfigurationException($"--smart-config: the file {Path.GetFullPath(smartFile)} does not exist.");
            builder.Configuration.AddJsonFile(Path.GetFullPath(smartFile), optional: false);
        }
        var smart = Smart.SmartSettings.Read(builder.Configuration);
        var settings = ReadServerSettings(builder.Configuration);
        NativeAllocator.Configure(settings);
        ReadPackageSettings(builder.Configuration);
        StartupErrors.CheckUrls(builder.Configuration["Urls"]);
        var auth = AuthSettings.Read(builder.Configuration, args);
        // One mode for both halves: the authorization server runs whenever access is enforced (Auth:Mode, or its
        // default by listening address).
        smart.Mode = auth.Smart ? "smart" : "off";
        ServerLogging.Configure(builder);
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
        services.AddRequestDecompression(RequestBodyErrors.Guard);
        services.AddResponseCompression(o =>
        {
            o.MimeTypes = [.. Microsoft.AspNetCore.ResponseCompression.ResponseCompressionDefaults.MimeTypes, FhirFormats.JsonMediaType, FhirFormats.XmlMediaType];
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.AddCrossOrigin(settings, Smart.ClientOrigins.Registered(smart));
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => LoadConformance(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILogger<ConformanceContext>>()));
        services.AddSingleton(sp => OpenStore(settings, sp.GetRequiredService<ILogger<SqlResourceStore>>()));
        services.AddSingleton(auth);
        services.AddFhirAccess();
        // With SMART authorization every read, history and write of a request passes AccessPolicy (docs/authorization.md).
        if (auth.Smart)
            services.AddSingleton<IResourceStore>(sp => new AuthorizedResourceStore(sp.GetRequiredService<SqlResourceStore>(), sp.GetRequiredService<AccessPolicy>()));
        else
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
        services.AddSingleton<UniqueIdentifierBackfill>();
        services.AddSingleton<FhirOutput>();
        services.AddSingleton<FhirInput>();
        services.AddSingleton<BufferPool>();
        services.AddSingleton<IdleMemory>();
        services.AddHostedService(sp => sp.GetRequiredService<IdleMemory>());
        services.AddSingleton<Capabilities>();
        services.AddSingleton<PackagedResources>();
        services.AddSingleton<PackagedIndex>();
        services.AddSingleton<PackagedSearch>();
        services.AddSingleton<IWriteRule, DispensationRule>();
        services.AddSingleton<UniqueIdentifiers>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<CreateCombiner>();
        services.AddSingleton<BundleProcessor>();
        services.AddDocumentRules();
        services.AddTerminology(builder.Configuration);
        services.AddSnapshots();
        services.AddValidation(builder.Configuration);
        if (smart.IsSmart) services.AddSmart(smart, settings);

        configure?.Invoke(services);
        var app = builder.Build();
        if (!auth.Smart)
            app.Services.GetRequiredService<ILogger<AuthSettings>>().LogWarning(
                "Auth:Mode is off: no authorization, anyone who reaches {Urls} reads and writes every resource. Use --auth smart for SMART on FHIR access tokens.",
                builder.Configuration["Urls"] is { Length: > 0 } urls ? urls : "http://localhost:8080");
        // Load the packages and open the store before the first request rather than during it.
        var conformance = app.Services.GetRequiredService<ConformanceContext>();
        // On a first start the packages were read straight from their tarballs: unpack them into the cache once the
        // server answers, so that the next start reads the cache (docs/conformance.md, "Start-up").
        if (conformance.Resolution.PendingInstalls.Count > 0)
        {
            var logger = app.Services.GetRequiredService<ILogger<ConformanceContext>>();
            app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => UnpackPackagesAsync(conformance, logger, app.Lifetime.ApplicationStopping)));
        }
        app.Services.CheckValidationSettings();
        app.Services.GetRequiredService<IResourceStore>();
        if (smart.IsSmart) app.Services.InitializeSmartAsync().GetAwaiter().GetResult();
        // A new or changed set of search parameters: rebuild the index before serving searches on it.
        app.Services.GetRequiredService<Reindexer>().RunAsync(force: false).GetAwaiter().GetResult();
        // Server:UniqueIdentifiers names a system the stored resources were not keyed for: key them (from the index
        // just checked), and log those that share a key rather than refuse to start.
        app.Services.GetRequiredService<UniqueIdentifierBackfill>().RunAsync(force: false).GetAwaiter().GetResult();
        // The CodeSystems, ValueSets and ConceptMaps of the store as terminology sources, read in the background.
        app.Services.GetRequiredService<StoredTerminology>().StartLoading(app.Lifetime.ApplicationStopping);
        // The StructureDefinitions of the store as profiles, read in the background too.
        app.Services.GetRequiredService<StoredProfiles>().StartLoading(app.Lifetime.ApplicationStopping);
        app.UseIdleMemory();
        app.UseResponseCompression();
        // Inside compression, so that the bytes logged are the body's before compression (its Content-Length).
        if (settings.RequestLog) app.UseRequestLog();
        app.UseFhirErrors();
        app.UseCrossOrigin(settings, Smart.ClientOrigins.Registered(smart));
        app.UseRequestLimits(settings);
        app.UseRequestBodyErrors();
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
        // The token endpoints (OpenIddict) and the bearer token of every request, which sets HttpContext.User; in smart
        // mode the FHIR requests skip OpenIddict's request handlers (Smart.SmartAuthentication).
        if (smart.IsSmart) Smart.SmartAuthentication.Use(app);
        else app.UseAuthentication();
        app.UseFhirAccess();
        if (smart.IsSmart) Smart.ClientOrigins.UseClientOrigins(app);
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/ready", async (IResourceStore store, CancellationToken ct) =>
            await store.PingAsync(ct) ? Results.Text("ready") : Results.Text("store unreachable", statusCode: StatusCodes.Status503ServiceUnavailable));
        var fhir = app.MapGroup("");
        if (auth.Smart) fhir.RequireFhirAccess();
        fhir.MapFhirEndpoints();
        fhir.MapSearchEndpoints();
        fhir.MapEverythingEndpoint();
        fhir.MapTerminologyEndpoints();
        fhir.MapSnapshotEndpoints();
        fhir.MapValidateEndpoints();
        if (smart.IsSmart) app.MapSmart();
        return app;
    }

    public static ServerSettings ReadServerSettings(IConfiguration configuration)
    {
        var settings = new ServerSettings();
        try
        {
            configuration.GetSection("Server").Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the type ("Failed to convert configuration value '…' at 'Server:…'").
            throw new ConfigurationException(BadValue(configuration, "Server", e), e);
        }
        settings.Validate();
        return settings;
    }

    /// <summary>Opens (and creates or migrates) the configured store.</summary>
    public static SqlResourceStore OpenStore(ServerSettings settings, ILogger logger)
    {
        settings.Validate();
        var sqlite = settings.IsSqlite;
        var where = sqlite ? Path.GetFullPath(settings.DataDirectory) : "PostgreSQL";
        try
        {
            SqlDialect dialect = sqlite
                ? new SqliteDialect(Path.Combine(settings.DataDirectory, "fhir.db"), settings.SqliteWalLimitBytes)
                : new PostgresDialect(settings.Connection!);
            var store = new SqlResourceStore(dialect);
            store.InitializeAsync().GetAwaiter().GetResult();
            logger.LogInformation("Store: {Kind} ({Where})", store.Kind, dialect.Location);
            return store;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException or ArgumentException)
        {
            // A data folder that cannot be written, a connection string Npgsql refuses, a database that does not answer.
            throw new ConfigurationException(sqlite
                ? $"The data directory {where} (--data) cannot be used: {e.Message}"
                : $"The PostgreSQL store (--connection) cannot be opened: {e.Message}", e);
        }
    }

    public static PackageSettings ReadPackageSettings(IConfiguration configuration)
    {
        var settings = new PackageSettings();
        var section = configuration.GetSection("FhirPackages");
        section.Bind(settings);
        if (section["PackageList"] is { Length: > 0 } list) settings.Packages = Split(list);
        if (section["SourceList"] is { Length: > 0 } sources) settings.Sources = Split(sources);
        foreach (var package in settings.Packages)
        {
            // A requested package that cannot even be named is a typing mistake, not a package to go without.
            if (!PackageReference.TryParse(package, out var reference) || !reference!.IsWellFormed)
                throw new ConfigurationException($"'{package}' in --packages (FhirPackages:Packages) is not a package reference: use name#version or name.");
        }
        return settings;
    }

    private static ConformanceContext LoadConformance(IConfiguration configuration, ILogger logger)
    {
        var settings = ReadPackageSettings(configuration);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var parserOptions = ParserOptions.Default with { MaxDepth = ReadServerSettings(configuration).MaxResourceDepth };
        // The server's own package (Packages/fhirserver.flows): SearchParameters the French flows search by that neither R4
        // nor the guides define (MedicationRequest group-identifier, R5's).
        var own = FhirPackage.Load(Path.Combine(AppContext.BaseDirectory, "Packages", "fhirserver.flows"));
        var context = ConformanceContext.LoadAsync(settings, parserOptions, deferTarballInstalls: true, extra: [own]).GetAwaiter().GetResult();
        // One line for what is missing (usually dependencies that are not in the cache, and an unreachable registry),
        // the details at debug level; errors each on their own.
        foreach (var d in context.Resolution.Diagnostics)
            logger.Log(d.Severity == PackageDiagnostic.ErrorSeverity ? LogLevel.Error : LogLevel.Debug, "Packages: {Message}", d.Message);
        if (context.Resolution.WarningSummary() is { } summary) logger.LogWarning("Packages: {Summary}", summary);
        logger.LogInformation("Loaded {Count} packages in {Elapsed} ms: {Packages}", context.Resolution.Packages.Count,
            started.ElapsedMilliseconds, string.Join(", ", context.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}")));
        return context;
    }

    private static string BadValue(IConfiguration configuration, string section, InvalidOperationException e)
    {
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            if (child.Value is not { } value || !e.Message.Contains($"'{child.Path}'", StringComparison.OrdinalIgnoreCase)) continue;
            var type = typeof(ServerSettings).GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
                | System.Reflection.BindingFlags.IgnoreCase)?.PropertyType;
            var expected = type == typeof(bool) ? "true or false" : type == typeof(int) || type == typeof(long) ? "a whole number" : "a valid value";
            return $"{ServerSwitches.Describe(child.Path)}: '{value}' is not {expected}.";
        }
        return e.Message;
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
