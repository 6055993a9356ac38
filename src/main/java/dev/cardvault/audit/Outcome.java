package dev.cardvault.audit;

public enum Outcome {
    SUCCESS, DENIED, FAILED
}
