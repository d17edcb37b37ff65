"""Settings: one pydantic-settings class, read from ``RAG_*`` environment variables, overridable by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = PACKAGE_DIR.parent


def _in_source_checkout() -> bool:
    return (_REPO_DIR / "pyproject.toml").is_file() and (_REPO_DIR / "seeds").is_dir()


def bundled_seeds_dir() -> Path:
    """The five bundled articles: ``seeds/`` in a checkout, ``rag/_seeds`` in an installed wheel."""
    if _in_source_checkout():
        return _REPO_DIR / "seeds"
    return PACKAGE_DIR / "_seeds"


def bundled_gold_file() -> Path:
    """The gold Q&A set over the seeds: ``eval/gold.jsonl`` in a checkout, ``rag/_eval/gold.jsonl`` in a wheel."""
    if _in_source_checkout():
        return _REPO_DIR / "eval" / "gold.jsonl"
    return PACKAGE_DIR / "_eval" / "gold.jsonl"


def default_index_dir() -> Path:
    """``index/`` beside ``seeds/`` in a checkout; a per-user cache folder for an installed wheel."""
    if _in_source_checkout():
        return _REPO_DIR / "index"
    return Path.home() / ".cache" / "rag-zh" / "index"


def _fitted_threshold() -> float:
    """The refusal threshold saved with the fitted answer scorer (see rag.extract.fit_answer)."""
    from .extract.confidence import load_answer_scorer

    return load_answer_scorer().threshold


class Settings(BaseSettings):
    """All tunables. Environment: ``RAG_<NAME>`` (e.g. ``RAG_TOP_K=8``)."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", validate_default=True)

    index_dir: Path = Field(default_factory=default_index_dir, description="where the index is stored")
    seeds_dir: Path = Field(default_factory=bundled_seeds_dir, description="corpus built when no index exists")
    embedder: str = Field("e5-small-bundled", description="embedder spec: e5-small-bundled | st:<model or path>")
    top_k: int = Field(5, ge=1, le=100, description="hits passed to the answer builder")
    hybrid: bool = Field(True, description="fuse dense and BM25; False uses dense only")
    fusion: Literal["relative", "rrf"] = Field(
        "relative", description="how dense and BM25 are fused: min-max normalised scores, or reciprocal ranks"
    )
    rrf_k: int = Field(60, ge=1, description="reciprocal rank fusion constant (fusion=rrf)")
    chunk_size: int = Field(240, ge=20, le=4000, description="chunk budget in characters")
    chunk_overlap: int = Field(1, ge=0, le=10, description="sentences repeated between neighbouring chunks")
    abstain_threshold: float = Field(
        default_factory=_fitted_threshold,
        ge=0.0,
        le=1.0,
        description="answers whose probability of being right is below this abstain (default: chosen on dev data)",
    )
    dense_index: Literal["auto", "flat", "ivf", "hnsw"] = Field(
        "auto", description="exact search (flat) or an approximate index; auto: flat below ann_threshold chunks"
    )
    ann_threshold: int = Field(50_000, ge=1000, description="chunks above which auto builds an approximate index")
    dense_codes: Literal["fp16", "sq8", "float"] = Field(
        "fp16", description="how an IVF index holds vectors: fp16 (half the memory), sq8 (a quarter), float"
    )
    vector_store: Literal["faiss", "milvus"] = Field("faiss", description="where dense vectors live")
    milvus_uri: str | None = Field(
        None, description="Milvus Lite file path or http://host:19530 (default: <index_dir>.milvus.db, Lite)"
    )
    milvus_collection: str = Field("rag_chunks", description="prefix of the Milvus collection names")
    embed_batch_size: int = Field(32, ge=1, le=4096)
    st_device: str | None = Field(None, description="sentence-transformers device: cpu, cuda, mps")
    st_query_prompt: str = Field("query: ", description="prefix for queries (E5 style); '' for none")
    st_passage_prompt: str = Field("passage: ", description="prefix for passages (E5 style); '' for none")
    max_file_mb: float = Field(20.0, gt=0, description="files larger than this are refused")

    def resolved_milvus_uri(self) -> str:
        return self.milvus_uri or f"{self.index_dir}.milvus.db"
