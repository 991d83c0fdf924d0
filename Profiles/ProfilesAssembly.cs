namespace FhirServer.Profiles;

/// <summary>Anchor for the profiles assembly; the validator (StructureDefinition → compiled schema) and the French identifier rules land here.</summary>
public static class ProfilesAssembly;
