namespace FhirServer.Samples;

/// <summary>A French commune: its INSEE code (department + commune number, 2A/2B for Corsica), name and a postal code.</summary>
internal sealed record Commune(string InseeCode, string Name, string PostalCode)
{
    /// <summary>Corsica's departments 2A and 2B exist since 1976; before, its communes were numbered in department 20.</summary>
    public bool IsCorsican => InseeCode.StartsWith("2A", StringComparison.Ordinal) || InseeCode.StartsWith("2B", StringComparison.Ordinal);

    /// <summary>The commune's code as a NIR of someone born there in <paramref name="year"/> carries it.</summary>
    public string NirPlace(int year) => IsCorsican && year < 1976 ? "20" + InseeCode[2..] : InseeCode;

    /// <summary>The department part of the code (three digits overseas: 971 to 976).</summary>
    public string Department => InseeCode.StartsWith("97", StringComparison.Ordinal) ? InseeCode[..3] : InseeCode[..2];
}
