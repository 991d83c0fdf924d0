using FhirServer.Conformance.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirServer.Tests.Http;

/// <summary>The server in-process, on the test package cache, offline.</summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("FhirPackages:Cache", TestData.CacheFolder);
        builder.UseSetting("FhirPackages:SourceList", TestData.PackagesFolder);
        builder.UseSetting("FhirPackages:Registry", "");
    }
}
